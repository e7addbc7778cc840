"""The lowest layer: settings, the records every layer passes around, and Dutch text
helpers. Every package may import it; it imports none of them."""
