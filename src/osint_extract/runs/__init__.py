"""Running the pipeline over many documents: extraction, batch runs, Dask, run-wide entities."""
