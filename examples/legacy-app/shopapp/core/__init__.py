"""The canonical home of shared infrastructure."""
