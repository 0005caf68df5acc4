"""Image cards (Pillow): the data a card shows, its renderer, and an async render service."""
