"""appointments: agencies, slots with capacity, booking, confirmation by an agent, reminders."""
