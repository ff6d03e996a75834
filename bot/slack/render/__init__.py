"""All Block Kit the bot sends: ``cards`` for messages, ``home`` for the Home tab and modals."""
