"""Composing and checking a command's config: the structured-config schemas stored in Hydra's ConfigStore
(`store`), the `${...}` resolvers of conf/ (`resolvers`) and what a composed config may hold (`guard`)."""
