"""What the registry writes for people and spreadsheets: the annex table and the audit trail as CSV and JSON."""
