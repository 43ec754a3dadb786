"""The checks validate.py runs on the source files, one concern a module, in the order a run takes them:
problems.py (the problem list and the connection the checks share), files.py (reading the files), rows.py (each
row's cells, keys and references), figures.py (each figure against its literal and its units), facts.py (events,
aliases, claims and mentions) and documents.py (the document texts)."""
