/**
 * What can be run and tuned: variants (named knob sets), knobs, and the knob set of one run.
 * Thin wrappers over src/cluster/knobs.ts and src/redis/variants.ts that turn their errors into
 * InputErrors naming the flag or file at fault.
 */
import { listKnobs, resolveKnobs } from "../cluster/knobs.ts";
import type { KnobSet, KnobValue } from "../cluster/types.ts";
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

/** `sim knobs --json`. */
export function knobList(): Array<{ name: string; default: KnobValue; description: string }> {
  return listKnobs();
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

/**
 * The knob values of a run: defaults ← scenario ← variant ← overrides. A bad override is the
 * user's `--knob`; a bad knob without overrides comes from the scenario file (`source`).
 */
export function knobsFor(
  scenario: Scenario,
  variant: string,
  overrides: Record<string, string | KnobValue>,
  source: string,
): KnobSet {
  checkVariant(variant);
  try {
    return resolveKnobs(scenario, variant, overrides);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const blameScenario = Object.keys(overrides).length === 0 || /scenario cluster\.knobs/.test(msg);
    throw new InputError({ file: blameScenario ? source : "--knob", problem: msg });
  }
}
