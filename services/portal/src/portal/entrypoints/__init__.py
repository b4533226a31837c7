"""The portal's HTTP side: routes, templates and the process that serves them."""
