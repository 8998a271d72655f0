"""Write the project file's typed model from its JSON Schema, the one source of its keys, types,
defaults and help: `src/minbuild/project/file_model.py`, TypedDicts that the reader
(project/config.py) is typed against, so that mypy refuses a key the schema does not declare.
datamodel-code-generator (pinned in the test extras) writes it; a unit test fails when the
committed model is not what the schema generates.

Usage: python tools/file_model.py
"""

from __future__ import annotations

from pathlib import Path

from datamodel_code_generator import generate
from datamodel_code_generator.enums import DataModelType, InputFileType
from datamodel_code_generator.format import Formatter, PythonVersion

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "src" / "minbuild" / "resources" / "schemas" / "project.schema.json"
MODEL = REPO / "src" / "minbuild" / "project" / "file_model.py"
HEADER = '''"""The project file as the reader receives it (every default filled in): TypedDicts
generated from resources/schemas/project.schema.json by tools/file_model.py. Do not edit;
change the schema and run the tool."""
'''


def generated() -> str:
    """The model's text, as the schema makes it."""
    text = generate(
        SCHEMA,
        input_file_type=InputFileType.JsonSchema,
        output_model_type=DataModelType.TypingTypedDict,
        target_python_version=PythonVersion.PY_311,
        use_closed_typed_dict=False,  # PEP 728: mypy does not read it yet
        disable_timestamp=True,
        formatters=[Formatter.BUILTIN],
        use_field_description=True,
    )
    assert isinstance(text, str)
    body = text.split("\n\n", 1)[1]  # the generator's own header comment names no source path
    return HEADER + "\n" + body.rstrip("\n") + "\n"


def main() -> None:
    MODEL.write_text(generated(), encoding="utf-8")
    print(f"wrote {MODEL.relative_to(REPO)}")


if __name__ == "__main__":
    main()
