"""Every change to appointments and booking requests. Import the modules:
`from posventa.workshop.actions import appointments`, then `appointments.book_appointment(...)`.
"""
