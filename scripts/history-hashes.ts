/**
 * Prints one line per run — scenario, variant, seed, history hash, simulator events — for the
 * default scenarios under `fixed` and `head`. Two outputs that differ show a change in what the
 * simulator does; speed work compares them before and after (`diff`).
 *
 *   node --import tsx scripts/history-hashes.ts [--seeds 40] [--variants fixed,head] [--scenarios a,b]
 */

import { defaultScenarioNames, loadScenario } from "../src/campaign/scenarios.ts";
import { resolveKnobs } from "../src/cluster/knobs.ts";
import { runScenario } from "../src/cluster/run.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seeds = Number(arg("seeds") ?? 40);
const variants = (arg("variants") ?? "fixed,head").split(",");
const names = arg("scenarios")?.split(",") ?? (await defaultScenarioNames());
for (const name of names) {
  const { scenario } = await loadScenario(name);
  for (const variant of variants) {
    const knobs = resolveKnobs(scenario, variant);
    for (let seed = 1; seed <= seeds; seed++) {
      let line: string;
      try {
        const out = runScenario({ scenario, variant, knobs, seed, swarm: scenario.swarm ?? true });
        line = `${out.historyHash} ${out.stats.events} ${out.history.length}`;
      } catch (e) {
        line = `threw ${(e as Error).message}`;
      }
      process.stdout.write(`${name} ${variant} ${seed} ${line}\n`);
    }
  }
}
