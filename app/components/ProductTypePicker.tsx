import { BlockStack, Combobox, InlineStack, Listbox, Tag, Text } from "@shopify/polaris";
import { useMemo, useState } from "react";

/** Options the combobox lists at once (the rest are found by typing). */
const SHOWN = 50;

/**
 * The shop's product types, searched as typed, the chosen ones as tags (the campaign form and the data-source
 * settings). Text comes translated from the page; `max` caps how many can be chosen.
 */
export function ProductTypePicker({
  id,
  label,
  placeholder,
  helpText,
  noneText,
  removeLabel,
  options,
  selected,
  onChange,
  error,
  max = Infinity,
}: {
  id: string;
  label: string;
  placeholder: string;
  helpText?: string;
  /** Said when the shop has no product type to choose from. */
  noneText: string;
  removeLabel: (type: string) => string;
  options: readonly string[];
  selected: string[];
  onChange: (types: string[]) => void;
  error?: string;
  max?: number;
}) {
  const [query, setQuery] = useState("");
  const shown = useMemo(() => {
    const needle = query.trim().toLocaleLowerCase();
    return options.filter((type) => type.toLocaleLowerCase().includes(needle)).slice(0, SHOWN);
  }, [options, query]);
  const toggle = (type: string) => {
    if (selected.includes(type)) onChange(selected.filter((value) => value !== type));
    else if (selected.length < max) onChange([...selected, type]);
  };
  return (
    <BlockStack gap="200">
      <Combobox
        allowMultiple
        activator={
          <Combobox.TextField
            id={id}
            label={label}
            helpText={helpText}
            placeholder={placeholder}
            value={query}
            onChange={setQuery}
            error={error}
            autoComplete="off"
          />
        }
      >
        {shown.length > 0 ? (
          <Listbox onSelect={toggle} accessibilityLabel={label}>
            {shown.map((type) => (
              <Listbox.Option key={type} value={type} selected={selected.includes(type)} accessibilityLabel={type}>
                {type}
              </Listbox.Option>
            ))}
          </Listbox>
        ) : null}
      </Combobox>
      {selected.length > 0 ? (
        <InlineStack gap="100">
          {selected.map((type) => (
            <Tag key={type} onRemove={() => toggle(type)} accessibilityLabel={removeLabel(type)}>
              {type}
            </Tag>
          ))}
        </InlineStack>
      ) : options.length === 0 ? (
        <Text as="p" tone="subdued" variant="bodySm">
          {noneText}
        </Text>
      ) : null}
    </BlockStack>
  );
}
