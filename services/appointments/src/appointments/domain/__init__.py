"""appointments' domain: agencies' reference data, their calendar and slots, the people who
book (NIR, mobile phone) and the signed link to manage an appointment. Pure: no I/O."""
