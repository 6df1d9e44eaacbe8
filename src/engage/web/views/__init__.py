"""The coordinator's web application: thin views over engage.cases.services."""
