"""The review app and the reviewers' decisions."""
