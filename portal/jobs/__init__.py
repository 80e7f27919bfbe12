"""Jobs: the service that changes job rows and the pages that show them."""
