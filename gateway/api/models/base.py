"""Building blocks every request body shares: strictness and bounded text."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

MAX_LIST = 50

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
Text = Annotated[str, StringConstraints(max_length=4_000)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Person = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Body(BaseModel):
    """A request body: unknown fields are refused; booleans and integers must be JSON ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)
