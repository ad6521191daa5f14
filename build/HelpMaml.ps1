# Placeholder: replaced by the help converter.
function ConvertTo-CcrMaml { param($Files) '<?xml version="1.0" encoding="utf-8"?><helpItems schema="maml" />' }
