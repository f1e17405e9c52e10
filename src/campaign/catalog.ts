/**
 * What can be run and tuned: variants (named knob sets), knobs, and the knob set of one run.
 * Thin wrappers over src/cluster/knobs.ts and src/redis/variants.ts that turn their errors into
 * InputErrors naming the flag or file at fault.
 */
import { type AllKnobs, KnobError, type KnobInfo, listKnobs, resolveKnobs } from "../cluster/knobs.ts";
import type { KnobValue } from "../cluster/types.ts";
import { InputError } from "../io/errors.ts";
import { variants } from "../redis/variants.ts";
import type { Scenario } from "../workload/scenario.ts";

export interface VariantInfo {
  name: string;
  description: string;
  /** The scenario that exposes the variant's bug; null for `fixed` (and `head`, unless it has one). */
  scenario: string | null;
}

/** `sim variants --json`. */
export function variantList(): VariantInfo[] {
  return variants.map((v) => ({ name: v.name, description: v.description, scenario: v.scenario ?? null }));
}

/** `sim knobs`: each knob with its default, what it does and what values it accepts. */
export function knobList(): KnobInfo[] {
  return listKnobs();
}

/**
 * The scenarios linked to a variant in the variants table (src/redis/variants.ts): the one that
 * exposes its bug first, then any other written for the same bug. Empty for an unknown variant.
 */
export function variantScenarios(name: string): string[] {
  const v = variants.find((x) => x.name === name);
  return v?.scenario !== undefined ? [v.scenario, ...(v.otherScenarios ?? [])] : [];
}

/** The variants whose bug a scenario was written for, read from the same table. */
export function scenarioVariants(scenario: string): string[] {
  return variants.filter((v) => variantScenarios(v.name).includes(scenario)).map((v) => v.name);
}

export function variantInfo(name: string): VariantInfo | undefined {
  return variantList().find((v) => v.name === name);
}

/** `--variant`: one name, a comma list, or `all`. Unknown names are an input error. */
export function resolveVariantArg(arg: string | undefined): string[] {
  const known = variantList().map((v) => v.name);
  if (arg === undefined || arg.trim() === "") return ["fixed"];
  if (arg.trim() === "all") return known;
  const names = [
    ...new Set(
      arg
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    ),
  ];
  for (const n of names) checkVariant(n);
  return names.length > 0 ? names : ["fixed"];
}

export function checkVariant(name: string): void {
  const known = variantList().map((v) => v.name);
  if (!known.includes(name)) {
    throw new InputError({
      file: "--variant",
      found: JSON.stringify(name),
      expected: `one of ${known.join(", ")} or all`,
    });
  }
}

/** Where a run's knob overrides came from, to name it in an error: `--knob`, or a repro file's field. */
export interface OverrideSource {
  file: string;
  /** The field holding the overrides (`knobs` in a repro file); none for `--knob`. */
  field?: string;
}

/**
 * The typed knobs of a run: defaults ← scenario ← variant ← overrides, each checked once here. A
 * bad value is an InputError naming the knob, what it accepts and where it came from: the
 * scenario file (`source`, field `cluster.knobs.<knob>`), `--knob`, or a repro file's `knobs`.
 */
export function knobsFor(
  scenario: Scenario,
  variant: string,
  overrides: Readonly<Record<string, string | KnobValue>>,
  source: string,
  from: OverrideSource = { file: "--knob" },
): AllKnobs {
  checkVariant(variant);
  try {
    return resolveKnobs(scenario, variant, overrides);
  } catch (e) {
    if (!(e instanceof KnobError) || (e.source !== "scenario" && e.source !== "override")) throw e;
    const what = e.unknown
      ? { expected: "a knob name that `sim knobs` lists", found: JSON.stringify(e.knob) }
      : { expected: e.expected, found: e.found };
    if (e.source === "scenario") {
      throw new InputError({ file: source, field: `cluster.knobs${e.unknown ? "" : `.${e.knob}`}`, ...what });
    }
    if (from.field !== undefined) {
      throw new InputError({
        file: from.file,
        field: `${from.field}${e.unknown ? "" : `.${e.knob}`}`,
        ...what,
      });
    }
    throw new InputError({ file: e.unknown ? from.file : `${from.file} ${e.knob}`, ...what });
  }
}
