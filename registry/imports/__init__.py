"""Reading the sheets staff upload (.xlsx and .csv): cells as given, never a formula evaluated."""
