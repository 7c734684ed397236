"""The dossier: one PDF timeline, and a ZIP of every message, attachment and invoice."""

from __future__ import annotations

import io
import zipfile

from posventa.billing import actions
from posventa.billing.models import Invoice
from posventa.cases import actions as case_actions
from posventa.cases.models import Case
from posventa.core.models import User
from tests.billing.conftest import TokenFactory


def test_the_dossier_is_a_pdf_and_a_zip_of_everything_on_the_case(
    api_as: TokenFactory, agent: User, dispute: Case, invoices: list[Invoice]
) -> None:
    actions.place_hold(dispute, actor=agent, reason="Coste cero", invoices=invoices[:2])
    case_actions.reply(dispute, author=agent, body="Hemos registrado su reclamación.")
    case_actions.log_call(dispute, author=agent, summary="Llamada: confirma facturas a cero.")
    client = api_as(agent)
    pdf = client.get(f"/api/billing/cases/{dispute.reference}/dossier.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    archive = client.get(f"/api/billing/cases/{dispute.reference}/dossier.zip")
    assert archive["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        names = opened.namelist()
        root = dispute.reference
        assert f"{root}/timeline.pdf" in names
        messages = [name for name in names if name.startswith(f"{root}/messages/")]
        assert len(messages) == 2
        invoices_csv = opened.read(f"{root}/invoices.csv").decode()
        assert "F-2026-0101" in invoices_csv and "F-2026-0150" not in invoices_csv


def test_an_outsider_gets_404_for_the_dossier(
    api_as: TokenFactory, outsider: User, dispute: Case
) -> None:
    client = api_as(outsider)
    for suffix in ("pdf", "zip"):
        assert (
            client.get(f"/api/billing/cases/{dispute.reference}/dossier.{suffix}").status_code
            == 404
        )
