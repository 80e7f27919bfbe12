"""Pipelines: ordered, named stages (the names double as progress labels) over the models of this package."""
