"""Runtime pieces every service needs in the same shape: storage, consuming, relaying, metrics."""
