"""Independent oracle for the replay engine, written from SPEC.md alone (no imports from bot/)."""
