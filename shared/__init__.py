"""The common kernel every service uses: nothing agency-specific lives here."""
