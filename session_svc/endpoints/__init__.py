"""HTTP handlers: thin functions that validate, call the db layer, render and respond."""
