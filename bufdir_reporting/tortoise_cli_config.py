"""For Tortoise's own CLI (``tortoise makemigrations``): the config built from the environment."""

from .config import load_settings
from .database import tortoise_config

TORTOISE_ORM = tortoise_config(load_settings())
