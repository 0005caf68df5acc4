"""All SQL of Kindling lives in this package."""
