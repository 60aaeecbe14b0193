"""Sign-up, sign-in, token rotation and sign-out."""
