"""The public pages of the service (policy, privacy notice, how to join, archive and its feed): their default texts,
the join links and QR code, and the set-up that creates them for a site."""
