"""Link workers' decisions as training data: needs added or removed and suggestions accepted or rejected,
exported redacted (triage export-feedback) and read back for retraining."""
