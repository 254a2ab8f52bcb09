"""The gateway's routes, one mixin per area; ``GatewayService`` combines them."""
