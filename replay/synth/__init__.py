"""A synthetic KuaiLive world: files in the published schema plus the ground truth that produced them."""
