"""Each tenant's agreements (SA, OLA, UC) by customer and service, with their status history."""
