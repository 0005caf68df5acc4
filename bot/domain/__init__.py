"""Pure rules of Kindling: no discord, no I/O, time passed in."""
