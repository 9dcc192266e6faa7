class ServiceError(ValueError):
    """A request that cannot be carried out (bad input or the object's current state); the message
    is meant for the user and becomes a form error or a 400 with a reason."""
