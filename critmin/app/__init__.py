"""The critmin web app (Panel): exposure, scenarios, responses, sources and data, offline."""
