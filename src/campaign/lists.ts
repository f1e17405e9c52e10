/** `sim scenarios`, `sim variants`, `sim knobs`: what can be run and tuned. */
import { knobList, scenarioVariants, variantList, variantScenarios } from "./catalog.ts";
import { type CliIO, line, printJson } from "./cli-io.ts";
import { scenarioList } from "./scenarios.ts";

function table(io: CliIO, rows: Array<[string, string]>): void {
  const width = Math.min(32, Math.max(0, ...rows.map(([a]) => a.length)));
  for (const [a, b] of rows) line(io, `${io.c.bold(a.padEnd(width))}  ${b}`);
}

export async function scenariosCommand(io: CliIO): Promise<number> {
  const list = await scenarioList();
  // `bug` is the catalogued bug a scenario is tailored to, or null: tools select the default set
  // (every scenario without one) from it.
  if (io.json)
    printJson(
      io,
      list.map(({ name, description, bug }) => ({ name, description, bug: bug ?? null })),
    );
  else
    table(
      io,
      list.map((s) => {
        const linked = scenarioVariants(s.name);
        const tag = [s.bug, linked.length > 0 ? `variant ${linked.join(", ")}` : undefined].filter(Boolean);
        return [s.name, `${s.description}${tag.length > 0 ? io.c.dim(` (${tag.join("; ")})`) : ""}`];
      }),
    );
  return 0;
}

export async function variantsCommand(io: CliIO): Promise<number> {
  const list = variantList();
  if (io.json) printJson(io, list);
  else
    table(
      io,
      list.map((v) => {
        const linked = variantScenarios(v.name);
        return [
          v.name,
          `${v.description}${linked.length > 0 ? io.c.dim(` [scenario ${linked.join(", ")}]`) : ""}`,
        ];
      }),
    );
  return 0;
}

export async function knobsCommand(io: CliIO): Promise<number> {
  const list = knobList();
  // The JSON keeps its documented shape (name, default, description); the text adds what each takes.
  if (io.json)
    printJson(
      io,
      list.map(({ name, default: d, description }) => ({ name, default: d, description })),
    );
  else
    table(
      io,
      list.map((k) => [
        k.name,
        // A flag's accepted values go without saying.
        `${io.c.cyan(JSON.stringify(k.default))}  ${k.description}${typeof k.default === "boolean" ? "" : io.c.dim(` (${k.accepts})`)}`,
      ]),
    );
  return 0;
}
