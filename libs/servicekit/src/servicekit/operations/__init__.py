"""What operators of every service need from the bus: the dead letters and their replay,
parked outbox rows, and the retention of the messaging tables (see the servicekit README)."""
