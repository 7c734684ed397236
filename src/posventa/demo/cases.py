"""Demo customers, vehicles and cases for the demo dealer group (see `posventa.demo.loader`).

Called by `posventa.demo.loader.load_demo` after the sites, staff and clock-only obligations exist.
Per site: six customers with e-mail and phone, six vehicles with odometer readings, and
eight cases in several states, each about the customer's vehicle and in a team's queue
(so "My teams" has work for the demo agents), plus one web-form submission that arrived
broken and waits in quarantine with its reason. Customer messages come in through
`inbox.actions` exactly as the channel adapters would deliver them (RFC 5322 e-mail bytes,
web-form JSON, Twilio form-encoded SMS); staff work goes through `cases.actions`.

Inbound messages are stamped with the time they are stored, so most cases start their
clocks now. The one breached case per site (a customer chasing an unanswered e-mail) is
the exception: its first e-mail is stored as having arrived two days ago (the raw row is
built, given that arrival time, then stored and processed: the steps `ingest` takes), so
the agent reads the customer's first question as well as the chase that followed it.

All names, addresses, phone numbers, plates and VINs are invented (example.com/.se).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlencode

from posventa.cases import actions as cases
from posventa.cases.models import Case, CaseStatus, Department
from posventa.complaints import actions as complaints
from posventa.complaints.models import Category, RegisteredVia, Severity
from posventa.core.models import Role, Site, Team
from posventa.customers import actions as customers
from posventa.customers.models import Customer, Vehicle
from posventa.customers.validation import CHECK_DIGIT_MANDATORY_WMI_STARTS, vin_check_digit
from posventa.demo.staff import DemoWorld
from posventa.inbox import actions as inbox
from posventa.inbox.models import InboundRaw, InboundStatus, Message

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    email: str
    phone: str
    preferred_channel: str = "email"


@dataclass(frozen=True)
class DemoVehicle:
    owner: int  # index into the site's customers
    vin: str  # position 9 is recomputed when the region mandates a check digit
    plate: str
    make: str
    model: str
    first_registration: dt.date
    km: tuple[int, ...]  # odometer readings, oldest first, one a year back from now


@dataclass(frozen=True)
class SiteTexts:
    """What customers write and staff answer, in the site's language."""

    new_email: tuple[str, str]
    call_me: tuple[str, str]
    chase_first: tuple[str, str]
    chase_again: tuple[str, str]
    chase_note: str
    waiting: tuple[str, str]
    waiting_reply: str
    complaint: tuple[str, str]
    complaint_note: str
    complaint_handover: str
    complaint_wish: str
    resolved: tuple[str, str]
    resolved_answer: str
    closed: tuple[str, str]
    closed_answer: str
    sms_first: str
    sms_reply: str
    sms_again: str


CUSTOMERS: dict[str, list[DemoCustomer]] = {
    "madrid": [
        DemoCustomer("Begoña Larrañeta Suso", "begona.larraneta@example.com", "+34 612 408 317"),
        DemoCustomer("Íñigo Casaseca Mora", "inigo.casaseca@example.com", "+34 634 271 905"),
        DemoCustomer(
            "Remedios Albarrán Gil", "remedios.albarran@example.com", "+34 655 930 142", "phone"
        ),
        DemoCustomer("Fermín Olazábal Ruiz", "fermin.olazabal@example.com", "+34 678 115 263"),
        DemoCustomer("Consuelo Ybarra Nieto", "consuelo.ybarra@example.com", "+34 691 547 028"),
        DemoCustomer(
            "Jacinto Peñalver Roca", "jacinto.penalver@example.com", "+34 622 803 476", "sms"
        ),
    ],
    "goteborg": [
        DemoCustomer("Signe Tornqvist", "signe.tornqvist@example.se", "+46 70 318 42 67"),
        DemoCustomer("Algot Rydberg", "algot.rydberg@example.se", "+46 73 502 19 84"),
        DemoCustomer("Tyra Ekvall", "tyra.ekvall@example.se", "+46 76 244 80 31", "phone"),
        DemoCustomer("Hampus Löfgren", "hampus.lofgren@example.se", "+46 72 690 35 18"),
        DemoCustomer("Vera Sjöblad", "vera.sjoblad@example.se", "+46 70 871 26 09"),
        DemoCustomer("Ture Wahlqvist", "ture.wahlqvist@example.se", "+46 73 145 67 92", "sms"),
    ],
}

D = dt.date
VEHICLES: dict[str, list[DemoVehicle]] = {
    "madrid": [
        DemoVehicle(
            0, "VSSZZZKJZLR081734", "4821 LKT", "SEAT", "Ibiza", D(2020, 3, 12), (18_400, 31_950)
        ),
        DemoVehicle(
            1, "VF1RJA00567234518", "7305 MFZ", "Renault", "Captur", D(2022, 6, 2), (9_800, 24_300)
        ),
        DemoVehicle(
            2, "VF7SXHMZ6MT512384", "5127 LGR", "Citroën", "C3", D(2021, 1, 25), (20_300, 36_900)
        ),
        DemoVehicle(
            3,
            "WVWZZZAWZMU045127",
            "2190 LHB",
            "Volkswagen",
            "Polo",
            D(2021, 9, 20),
            (15_200, 28_760),
        ),
        DemoVehicle(
            4, "VR3UPHNKSLT112390", "6647 KZS", "Peugeot", "208", D(2019, 11, 7), (41_300, 55_020)
        ),
        DemoVehicle(
            5, "5YJ3E1EA0LF734102", "3958 NBC", "Tesla", "Model 3", D(2023, 4, 18), (12_700, 30_480)
        ),
    ],
    "goteborg": [
        DemoVehicle(
            0, "YV1ZWA8T5L1045273", "KRT 42B", "Volvo", "XC40", D(2020, 5, 14), (22_100, 38_900)
        ),
        DemoVehicle(
            1, "WVWZZZCDZPW018374", "MLS 08D", "Volkswagen", "Golf", D(2023, 2, 1), (6_400, 19_850)
        ),
        DemoVehicle(
            2, "U5YH5819AML043215", "FTR 28A", "Kia", "Ceed SW", D(2021, 8, 16), (16_900, 33_200)
        ),
        DemoVehicle(
            3,
            "TMBJR7NX4PY035812",
            "HGV 51C",
            "Škoda",
            "Octavia Kombi",
            D(2022, 10, 3),
            (17_300, 41_600),
        ),
        DemoVehicle(
            4, "YV4A22PK8M1062491", "DPA 73J", "Volvo", "XC60", D(2021, 3, 29), (35_800, 52_400)
        ),
        DemoVehicle(
            5,
            "3FMTK3SU0MM012846",
            "EWN 69K",
            "Ford",
            "Mustang Mach-E",
            D(2021, 12, 9),
            (14_000, 29_300),
        ),
    ],
}

TEXTS = {
    "madrid": SiteTexts(
        new_email=(
            "Presupuesto revisión de los 30 000 km",
            "Hola:\n\nMi Ibiza llega a los 30 000 km el mes que viene. ¿Cuánto cuesta la "
            "revisión oficial y cuánto tiempo se queda el coche en el taller? Prefiero "
            "respuesta por correo.\n\nGracias,\nBegoña",
        ),
        call_me=(
            "Ruido al girar el volante",
            "Desde hace una semana oigo un chasquido al girar a tope. ¿Me pueden llamar "
            "para explicarlo y pedir cita? Mejor por la mañana.",
        ),
        chase_first=(
            "Cambio de neumáticos y alineado",
            "Hola:\n\n¿Me pueden dar precio de cuatro neumáticos 195/55 R16 para el Polo, "
            "con montaje y alineado? Tengo la ITV el mes que viene y quiero llevarlo "
            "antes.\n\nGracias,\nFermín",
        ),
        chase_again=(
            "Cambio de neumáticos y alineado",
            "Buenas:\n\nEscribí hace dos días para pedir precio de cuatro neumáticos y el "
            "alineado del Polo y todavía no sé nada. ¿Me pueden contestar, por favor?\n\nFermín",
        ),
        chase_note="El cliente insiste: primero pidió precio por correo y no se le contestó.",
        waiting=(
            "Testigo del motor encendido",
            "Se me ha encendido el testigo amarillo del motor en el 208. El coche anda "
            "bien. ¿Es urgente?",
        ),
        waiting_reply=(
            "Buenos días, Consuelo:\n\nPara valorarlo, ¿nos puede enviar una foto del cuadro "
            "con el testigo encendido y decirnos el kilometraje actual? Con eso le decimos "
            "si hace falta cita hoy mismo.\n\nUn saludo,\nLucía (Motorvía Madrid Norte)"
        ),
        complaint=(
            "Reclamación: manchas de grasa tras la revisión",
            "Recogí el coche ayer después de la revisión y el asiento del conductor y el "
            "volante tienen manchas de grasa. Quiero que alguien se haga cargo.",
        ),
        complaint_note="Llamé a la clienta: confirma manchas en tapicería y volante. Tiene fotos.",
        complaint_wish="Quiero que alguien se haga cargo.",
        complaint_handover=(
            "Reclamación por manchas tras la revisión de ayer. La clienta tiene fotos y ya "
            "lo ha contado una vez: no volver a pedirle la historia. Propongo limpieza de "
            "tapicería sin coste; necesita tu aprobación como jefe de servicio del grupo."
        ),
        resolved=(
            "Copia de la factura de mayo",
            "Necesito una copia de la factura de la revisión de mayo para la empresa.",
        ),
        resolved_answer=(
            "Buenas tardes, Íñigo:\n\nLe adjuntamos la copia de la factura de la revisión de "
            "mayo a nombre de su empresa. Si necesita algún dato más, díganoslo.\n\nUn saludo,"
            "\nLucía"
        ),
        closed=(
            "¿Tienen recambio de escobillas?",
            "¿Tienen escobillas delanteras para un Captur de 2022? Paso esta semana.",
        ),
        closed_answer=(
            "Hola, Íñigo:\n\nSí, tenemos las escobillas delanteras para su Captur en "
            "almacén (29,90 € el juego, montaje incluido). Puede pasar cualquier día de "
            "8:30 a 13:30.\n\nUn saludo,\nLucía"
        ),
        sms_first="Hola, soy Jacinto. ¿Puedo llevar el Model 3 el jueves a las 9 para la revisión?",
        sms_reply="Hola Jacinto, el jueves a las 9:00 le esperamos. Motorvía Madrid Norte.",
        sms_again="Perfecto. ¿Tienen coche de cortesía ese día?",
    ),
    "goteborg": SiteTexts(
        new_email=(
            "Pris för 3 000-milsservice",
            "Hej!\n\nMin XC40 närmar sig 3 000 mil. Vad kostar servicen och hur länge "
            "behöver ni bilen? Svara gärna per e-post.\n\nMvh Signe",
        ),
        call_me=(
            "Knackande ljud från framvagnen",
            "Det knackar från höger framhjul när jag kör över farthinder. Kan ni ringa mig "
            "och boka en tid? Helst efter lunch.",
        ),
        chase_first=(
            "Vinterdäck och hjulinställning",
            "Hej!\n\nVad kostar fyra vinterdäck 205/55 R16 till min Octavia, med montering "
            "och hjulinställning? Jag vill byta innan det blir halt.\n\nMvh Hampus",
        ),
        chase_again=(
            "Vinterdäck och hjulinställning",
            "Hej!\n\nJag skrev för två dagar sedan om pris på vinterdäck och "
            "hjulinställning till min Octavia men har inte fått något svar. Kan ni "
            "återkomma?\n\nHampus",
        ),
        chase_note="Kunden hör av sig igen: första frågan om däckpris blev aldrig besvarad.",
        waiting=(
            "Motorlampan lyser",
            "Motorlampan har tänts på min XC60. Bilen går som vanligt. Är det bråttom?",
        ),
        waiting_reply=(
            "Hej Vera!\n\nKan du skicka en bild på instrumentpanelen med lampan tänd och "
            "berätta vad mätarställningen är? Då kan vi säga om du behöver komma in i dag."
            "\n\nVänliga hälsningar\nMaja (Motorvía Göteborg Hisingen)"
        ),
        complaint=(
            "Klagomål: fettfläckar efter servicen",
            "Jag hämtade bilen i går efter servicen och förarstolen och ratten har "
            "fettfläckar. Jag vill att någon tar hand om det.",
        ),
        complaint_note="Ringde kunden: bekräftar fläckar på stol och ratt. Hon har bilder.",
        complaint_wish="Jag vill att någon tar hand om det.",
        complaint_handover=(
            "Klagomål på fettfläckar efter gårdagens service. Kunden har bilder och har "
            "redan berättat allt en gång: be henne inte upprepa. Förslag: kostnadsfri "
            "rengöring av klädseln, behöver ditt godkännande som koncernens servicechef."
        ),
        resolved=(
            "Kopia på fakturan från maj",
            "Jag behöver en kopia på fakturan för majservicen till företaget.",
        ),
        resolved_answer=(
            "Hej Algot!\n\nHär kommer en kopia på fakturan för servicen i maj, ställd till "
            "ditt företag. Hör av dig om du behöver något mer.\n\nVänliga hälsningar\nMaja"
        ),
        closed=(
            "Har ni torkarblad?",
            "Har ni främre torkarblad till en Golf från 2023? Jag kommer förbi i veckan.",
        ),
        closed_answer=(
            "Hej Algot!\n\nJa, vi har främre torkarblad till din Golf i lager (349 kr för "
            "paret, montering ingår). Välkommen förbi vardagar 07.00-18.00.\n\n"
            "Vänliga hälsningar\nMaja"
        ),
        sms_first="Hej, det är Ture. Kan jag lämna Mach-E:n på torsdag kl 8 för service?",
        sms_reply="Hej Ture, torsdag kl 08.00 fungerar. Välkommen! Motorvía Göteborg Hisingen.",
        sms_again="Toppen. Finns det lånebil den dagen?",
    ),
}


def contribute(world: DemoWorld) -> None:
    for site_key, site in world.sites.items():
        _SiteDemo(world, site_key, site).build()


def demo_vin(vin: str) -> str:
    """The VIN with a correct ISO 3779 check digit where its region mandates one."""
    if vin[0] in CHECK_DIGIT_MANDATORY_WMI_STARTS:
        return vin[:8] + vin_check_digit(vin) + vin[9:]
    return vin


class _SiteDemo:
    def __init__(self, world: DemoWorld, site_key: str, site: Site) -> None:
        self.world, self.site_key, self.site = world, site_key, site
        self.texts = TEXTS[site_key]
        self.language = "es" if site.country == "ES" else "sv"
        self.agent = world.person(site_key, Role.AGENT)
        self.advisor = world.person(site_key, Role.SERVICE_ADVISOR)
        assert world.manager is not None
        self.group_manager = world.manager
        self.customers: list[Customer] = []
        self.vehicles: list[Vehicle] = []
        self.sequence = 0

    def build(self) -> None:
        self.add_customers_and_vehicles()
        t = self.texts
        c = self.customers
        reception = self.world.teams[(self.site_key, "Service reception")]
        parts_desk = self.world.teams[(self.site_key, "Parts desk")]
        # 1. A new e-mail inquiry nobody has picked up yet, in reception's queue.
        self.file(self.email(c[0], *t.new_email), reception)
        # 2. A web form asking for a phone call, given to the service advisor.
        case = self.web_form(c[2], *t.call_me, preferred_channel="phone")
        cases.assign_case(case, self.advisor, actor=self.agent)
        self.file(case, reception)
        # 3. A chase: an e-mail left unanswered for two days (breached), then a second one.
        self.file(self.chase(c[3]), reception)
        # 4. Waiting on the customer: asked for photos, clocks paused.
        case = self.email(c[4], *t.waiting)
        cases.assign_case(case, self.agent, actor=self.agent)
        self.file(case, reception)
        cases.reply(case, author=self.agent, body=t.waiting_reply)
        cases.set_case_status(case, CaseStatus.WAITING_CUSTOMER, actor=self.agent)
        # 5. A complaint handed over to the group's service manager with a note.
        case = self.web_form(c[0], *t.complaint, department=Department.COMPLAINTS)
        cases.assign_case(case, self.agent, actor=self.agent)
        self.file(case, reception)
        complaints.register_complaint(
            case,
            via=RegisteredVia.STAFF,
            category=Category.CLEANLINESS,
            severity=Severity.HIGH,
            desired_outcome=t.complaint_wish,
            actor=self.agent,
        )
        cases.add_internal_note(case, author=self.agent, body=t.complaint_note)
        cases.transfer_case(
            case, to_owner=self.group_manager, note=t.complaint_handover, actor=self.agent
        )
        # 6. Answered and resolved.
        self.answered(c[1], t.resolved, t.resolved_answer, reception)
        # 7. A parts question, answered by the parts desk, resolved and closed.
        case = self.answered(c[1], t.closed, t.closed_answer, parts_desk)
        cases.close_case(case, actor=self.agent)
        # 8. An SMS conversation: question, answer, and a follow-up question.
        case = self.sms(c[5], t.sms_first)
        cases.assign_case(case, self.agent, actor=self.agent)
        self.file(case, reception)
        cases.reply(case, author=self.agent, body=t.sms_reply, channel="sms")
        self.sms(c[5], t.sms_again)
        # 9. A web form that arrived cut off: kept raw, in quarantine with its reason.
        self.broken_web_form()

    def file(self, case: Case, team: Team) -> Case:
        """What reception does with a new case: the customer's vehicle on it, a team's
        queue for it."""
        vehicle = next((v for v in self.vehicles if v.owner_id == case.customer_id), None)
        if vehicle is not None:
            cases.link_vehicle(case, vehicle, actor=self.agent)
        return cases.set_case_team(case, team, actor=self.agent)

    # --- customers and vehicles ----------------------------------------------------------

    def add_customers_and_vehicles(self) -> None:
        organisation = self.site.organisation
        for spec in CUSTOMERS[self.site_key]:
            customer = customers.create_customer(
                organisation,
                display_name=spec.name,
                language=self.language,
                contact_points=[("email", spec.email), ("phone", spec.phone)],
                region=self.site.country,
                actor=self.agent,
            )
            if spec.preferred_channel != "email":
                customers.set_preferences(
                    customer, preferred_channel=spec.preferred_channel, actor=self.agent
                )
            self.customers.append(customer)
        for item in VEHICLES[self.site_key]:
            vehicle = customers.register_vehicle(
                organisation,
                vin=demo_vin(item.vin),
                plate=item.plate,
                make=item.make,
                model=item.model,
                first_registration=item.first_registration,
                owner=self.customers[item.owner],
                actor=self.advisor,
            )
            for years_ago, km in zip(range(len(item.km), 0, -1), item.km, strict=True):
                customers.record_odometer(
                    vehicle,
                    km,
                    read_at=self.world.now - years_ago * 365 * DAY + 30 * DAY,
                    source="workshop",
                    actor=self.advisor,
                )
            self.vehicles.append(vehicle)

    # --- inbound messages, as the channel adapters deliver them ---------------------------

    def _next_id(self, kind: str) -> str:
        self.sequence += 1
        return f"demo-{self.site_key}-{kind}-{self.sequence}"

    def email(
        self, customer: Customer, subject: str, body: str, *, arrived: dt.datetime | None = None
    ) -> Case:
        """A customer e-mail, received now or (`arrived`) stored as received back then."""
        message = EmailMessage()
        message["From"] = f"{customer.display_name} <{self._email_of(customer)}>"
        message["To"] = self.site.email
        message["Subject"] = subject
        message["Date"] = format_datetime(arrived or self.world.now)
        message["Message-ID"] = f"<{self._next_id('mail')}@example.com>"
        message.set_content(body)
        if arrived is None:
            raw = inbox.ingest("email", message.as_bytes(), source="imap", site=self.site)
            return self._case_of(raw)
        # ingest's own steps, with the arrival time of the past the demo tells about.
        row = inbox.new_raw_row("email", message.as_bytes(), source="imap", site=self.site)
        row.received_at = arrived
        stored, _created = inbox.save_raw_row(row)
        return self._case_of(inbox.process_inbound(stored))

    def broken_web_form(self) -> None:
        submission = self._next_id("form")
        cut_off = f'{{"id": "{submission}", "name": "{self.customers[3].display_name}", "mess'
        raw = inbox.ingest(
            "web_form",
            cut_off.encode("utf-8"),
            source="webhook",
            site=self.site,
            dedupe_key=submission,
        )
        if raw.status != InboundStatus.QUARANTINED:
            raise RuntimeError(f"Demo inbound #{raw.pk} should be quarantined: {raw.status}")

    def web_form(
        self,
        customer: Customer,
        subject: str,
        body: str,
        *,
        department: str = Department.SERVICE,
        preferred_channel: str = "email",
    ) -> Case:
        fields = {
            "id": self._next_id("form"),
            "name": customer.display_name,
            "email": self._email_of(customer),
            "phone": self._phone_of(customer),
            "subject": subject,
            "message": body,
            "department": department,
            "preferred_channel": preferred_channel,
            "site": self.site.slug,
        }
        raw = json.dumps(fields, ensure_ascii=False).encode("utf-8")
        return self._case_of(
            inbox.ingest("web_form", raw, source="webhook", site=self.site, dedupe_key=fields["id"])
        )

    def sms(self, customer: Customer, body: str) -> Case:
        sid = "SM" + hashlib.sha256(self._next_id("sms").encode()).hexdigest()[:32]
        fields = {
            "MessageSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self._phone_of(customer),
            "To": self.site.phone.replace(" ", ""),
            "Body": body,
            "NumMedia": "0",
        }
        raw = urlencode(fields).encode("ascii")
        return self._case_of(
            inbox.ingest("sms", raw, source="webhook", site=self.site, dedupe_key=sid)
        )

    def chase(self, customer: Customer) -> Case:
        """A first e-mail two days ago that nobody answered, then the customer's second.

        The first e-mail opens the case back then, starting INFO-WEB and INFO-WRITTEN at
        its arrival; the second comes in now and threads onto the case by its reference,
        as a chase. The agent reads both: the question and the reminder.
        """
        subject, body = self.texts.chase_again
        case = self.email(customer, *self.texts.chase_first, arrived=self.world.now - 2 * DAY)
        chased = self.email(customer, f"Re: {subject} [{case.reference}]", body)
        assert chased.pk == case.pk, "the chase did not thread onto its case"
        cases.assign_case(chased, self.agent, actor=self.agent)
        cases.add_internal_note(chased, author=self.agent, body=self.texts.chase_note)
        return chased

    def answered(
        self, customer: Customer, question: tuple[str, str], answer: str, team: Team
    ) -> Case:
        case = self.email(customer, *question)
        cases.assign_case(case, self.agent, actor=self.agent)
        self.file(case, team)
        reply = cases.reply(case, author=self.agent, body=answer)
        return cases.resolve_case(case, actor=self.agent, answer=reply)

    # --- helpers ---------------------------------------------------------------------------

    def _case_of(self, raw: InboundRaw) -> Case:
        if raw.status != InboundStatus.PROCESSED or raw.message is None:
            raise RuntimeError(f"Demo inbound #{raw.pk} was not processed: {raw.reason}")
        message: Message = raw.message
        return Case.objects.select_related("site__organisation", "customer").get(pk=message.case_id)

    @staticmethod
    def _email_of(customer: Customer) -> str:
        return str(customer.contact_points.get(kind="email").value)

    @staticmethod
    def _phone_of(customer: Customer) -> str:
        return str(customer.contact_points.get(kind="phone").value)
