"""Excel coordination report and plots."""
