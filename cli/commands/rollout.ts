import { readFileSync } from 'node:fs';
import { InMemoryAnalysisCache } from '../../lambda/adapters/analysis-cache-memory';
import { runtimeConfigExperiments } from '../../lambda/adapters/experiment-catalog';
import { ReportForVerdictSource } from '../../lambda/adapters/report-verdict-source';
import { analysisEngine, reportSettings } from '../../lambda/composition/analysis';
import { parseDuration } from '../../lambda/core/rollout/duration';
import {
  describeStep,
  InvalidRolloutPlanError,
  parsePlan,
  planProblems,
  type RolloutPlanSpec,
} from '../../lambda/core/rollout/plan';
import type { StepEvidence } from '../../lambda/core/rollout/rollout';
import type { HoldAction } from '../../lambda/core/rollout/transitions';
import { InvalidConfigChangeError } from '../../lambda/core/runtime-config';
import {
  holdRollout,
  type ManagePorts,
  type PromoteResult,
  promoteCandidate,
  type RolloutStatus,
  rolloutStatus,
  startRollout,
} from '../../lambda/use-cases/rollout/manage-rollout';
import type { RolloutSettings } from '../../lambda/use-cases/rollout/ports';
import { resourceNames } from '../../lib/config/resource-names';
import { resolveStage, stages } from '../../lib/config/stages';
import { CliError, type Target } from '../target';

/** Reads and checks a plan file; every problem on its own line. */
export function readPlanFile(file: string): { plan: RolloutPlanSpec; source: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read plan file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a JSON plan, see README "Rollout plans"`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CliError(`plan file ${file} is not JSON (${(error as Error).message})`);
  }
  const problems = planProblems(raw);
  if (problems.length > 0) throw new InvalidRolloutPlanError(problems, `plan file ${file}`);
  return { plan: raw as RolloutPlanSpec, source: `plan file ${file}` };
}

/** What the CLI does with a rollout, against local mode (HTTP) or a deployed stage (use cases). */
interface RolloutClient {
  start(
    plan: { plan: RolloutPlanSpec; source: string } | undefined,
    reason: string,
    by: string,
  ): Promise<unknown>;
  hold(action: HoldAction, reason: string, by: string): Promise<unknown>;
  status(): Promise<RolloutStatus>;
  promote(request: { endpoint?: string; force: boolean; reason: string; by: string }): Promise<PromoteResult>;
}

function rolloutClient(target: Target): RolloutClient {
  return target.kind === 'local' ? localClient(target.url as string) : awsClient(target);
}

function localClient(url: string): RolloutClient {
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const response = await fetch(new URL(path, url), {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    }).catch((error: Error) => {
      throw new CliError(
        `cannot reach local mode at ${url} (${error.message}); start it with npm start, or use --stage`,
      );
    });
    const json = (await response.json().catch(() => ({}))) as T & {
      error?: { code: string; message: string };
    };
    if (response.ok) return json;
    const message = json.error?.message ?? `HTTP ${response.status}`;
    if (response.status === 409) throw new InvalidConfigChangeError(message);
    if (response.status === 400) throw new CliError(message);
    if (response.status === 404)
      throw new CliError(`local mode at ${url} has no rollout routes (an older version?): ${message}`);
    throw new Error(`local mode answered ${response.status}: ${message}`);
  };
  return {
    start: (plan, reason, by) =>
      call('POST', '/local/rollout/start', {
        reason,
        by,
        ...(plan ? { plan: plan.plan, planSource: plan.source } : {}),
      }),
    hold: (action, reason, by) => call('POST', `/local/rollout/${action}`, { reason, by }),
    status: () => call('GET', '/local/rollout'),
    promote: (request) => call('POST', '/local/promote', request),
  };
}

/** Against AWS the CLI runs the same use cases with your credentials (as `set` does). */
function awsClient(target: Target): RolloutClient {
  const stage = stages[resolveStage(target.stage)];
  const names = resourceNames(stage.stage);
  const engine = analysisEngine({
    kind: 'athena',
    workGroup: names.analysisWorkGroup,
    database: names.evidenceDatabase,
  });
  const ports: ManagePorts = {
    config: target.runtimeConfig,
    // The same report as `report --stage`: Athena in the stage's workgroup, waited for.
    verdicts: {
      currentVerdict: async (request) =>
        new ReportForVerdictSource(
          {
            engine: await engine,
            experiments: runtimeConfigExperiments(() => target.runtimeConfig.read(), target.deployTime),
            cache: new InMemoryAnalysisCache(),
          },
          { ...reportSettings(), answerWithinMs: 15 * 60_000, analysisTimeoutMs: 15 * 60_000 },
        ).currentVerdict(request),
    },
  };
  const settings: RolloutSettings = {
    deployTime: target.deployTime,
    allowedEndpoints: target.allowedEndpoints,
    guardrails: target.guardrails,
  };
  const source = `stage ${stage.stage} default plan`;
  return {
    start: (plan, reason, by) =>
      startRollout(
        ports,
        settings,
        plan
          ? { plan: parsePlan(plan.plan, plan.source), source: plan.source }
          : { plan: parsePlan(stage.rollout.plan, source), source },
        { by, reason },
      ),
    hold: (action, reason, by) => holdRollout(ports, settings, action, { by, reason }),
    status: () => rolloutStatus(ports, settings),
    promote: (request) => promoteCandidate(ports, settings, request),
  };
}

/** The rollout status of a target (for `report`). */
export function rolloutStatusOf(target: Target): Promise<RolloutStatus> {
  return rolloutClient(target).status();
}

/** A few lines on the rollout for the `report` text: where it is and why it last moved. */
export function rolloutSummary(status: RolloutStatus): string[] {
  const where =
    status.state === 'running' || status.state === 'paused' ? `, canary ${status.canaryPercent}%` : '';
  const lines = [
    `Rollout of ${status.candidate}: ${status.state.toUpperCase()} at step ${status.step}${where}`,
  ];
  const last = status.history.at(-1);
  if (last)
    lines.push(
      `  last transition ${last.at}: ${last.event} by ${last.by}: ${last.reason}${last.evidence ? ` [${evidenceText(last.evidence)}]` : ''}`,
    );
  return lines;
}

const ROLLOUT_SUBCOMMANDS = ['start', 'status', 'pause', 'resume', 'abort'] as const;

const HOLD_VERBS: Record<HoldAction, string> = { pause: 'paused', resume: 'resumed', abort: 'aborted' };

/** `rollout start|status|pause|resume|abort`. */
export async function rollout(
  resolveTarget: () => Promise<Target>,
  subcommand: string | undefined,
  flags: { readonly plan?: string | undefined; readonly json?: boolean | undefined },
  reason: string,
  by: string,
): Promise<string> {
  // Mistakes are reported before connecting: the same with or without a reachable target.
  if (!ROLLOUT_SUBCOMMANDS.includes(subcommand as (typeof ROLLOUT_SUBCOMMANDS)[number]))
    throw new CliError(
      `rollout needs one of ${ROLLOUT_SUBCOMMANDS.join(', ')}${subcommand ? `, got "${subcommand}"` : ''}`,
    );
  if (flags.plan !== undefined && subcommand !== 'start')
    throw new CliError('--plan applies to rollout start only');
  const plan = flags.plan === undefined ? undefined : readPlanFile(flags.plan);
  const target = await resolveTarget();
  const client = rolloutClient(target);
  switch (subcommand) {
    case 'start': {
      await client.start(plan, reason, by);
      return `Rollout started on ${target.label}.\n\n${renderStatus(await client.status(), target.label)}`;
    }
    case 'status': {
      const status = await client.status();
      return flags.json ? JSON.stringify(status, null, 2) : renderStatus(status, target.label);
    }
    case 'pause':
    case 'resume':
    case 'abort': {
      await client.hold(subcommand, reason, by);
      return `Rollout ${HOLD_VERBS[subcommand]} on ${target.label}.\n\n${renderStatus(await client.status(), target.label)}`;
    }
    default:
      throw new CliError(
        `rollout needs one of start, status, pause, resume, abort${subcommand ? `, got "${subcommand}"` : ''}`,
      );
  }
}

/** `promote [ENDPOINT] [--force --reason TEXT]`: names what it promotes, only on PROMOTE unless forced. */
export async function promote(
  resolveTarget: () => Promise<Target>,
  endpoint: string | undefined,
  flags: { readonly force?: boolean | undefined; readonly reason?: string | undefined },
  by: string,
): Promise<string> {
  if (flags.force && (flags.reason === undefined || flags.reason.trim() === ''))
    throw new CliError(
      '--force needs --reason TEXT: say why the verdict is overridden (it is recorded in the history)',
    );
  const target = await resolveTarget();
  const result = await rolloutClient(target).promote({
    ...(endpoint === undefined ? {} : { endpoint }),
    force: flags.force ?? false,
    reason: flags.reason ?? `promoted by ${by}`,
    by,
  });
  if (result.kind === 'already-production')
    return `Nothing to promote on ${target.label}: ${result.endpoint} is already production${
      result.previousProduction
        ? ` (${result.previousProduction} is the previous production, kept for rollback)`
        : ''
    }.`;
  return [
    `Promoted ${result.endpoint} to production on ${target.label}${result.forced ? ' (FORCED over the verdict, recorded in the history)' : ''}.`,
    `  verdict: ${result.verdict ? evidenceText(result.verdict) : 'unavailable'}`,
    `  production endpoint    ${result.before.productionEndpoint} -> ${result.after.productionEndpoint}`,
    `  candidate endpoints    ${result.before.candidateEndpoints.join(', ')} -> ${result.after.candidateEndpoints.join(', ')}`,
    `${result.previousProduction} stays referenced: \`shadow-rollout rollback\` restores it within seconds.`,
  ].join('\n');
}

function evidenceText(evidence: StepEvidence): string {
  return `${evidence.decision}${evidence.guardrail ? ` (${evidence.guardrail})` : ''} on ${evidence.samples} samples: ${evidence.summary}`;
}

/** The terminal rendering of `rollout status`. */
export function renderStatus(status: RolloutStatus, label: string): string {
  if (status.state === 'none')
    return `No rollout has been started on ${label}. Start one with: shadow-rollout rollout start [--plan FILE]`;
  const lines = [
    `Rollout of ${status.candidate} (production ${status.production}) on ${label}: ${status.state.toUpperCase()} at step ${status.step} (of 0..${(status.steps ?? 1) - 1}); canary ${status.canaryPercent}%, sample rate ${status.sampleRate}`,
  ];
  if (status.hold) lines.push(`  held by ${status.hold.by} at ${status.hold.at}: ${status.hold.reason}`);
  if (status.stepStartedAt)
    lines.push(`  step began ${status.stepStartedAt}; pauses if still undecided at ${status.stepDeadline}`);
  if (status.verdict) lines.push(`  verdict on this step: ${evidenceText(status.verdict)}`);
  if (status.breaker)
    lines.push(`  shadow circuit breaker OPEN since ${status.breaker.openedAt}: ${status.breaker.reason}`);
  if (status.plan) {
    lines.push(
      '',
      `Plan (${status.planSource}, ${status.plan.promote === false ? 'completes without promoting' : 'promotes after the last step'}):`,
    );
    status.plan.steps.forEach((step, i) => {
      const marker =
        i === status.step && (status.state === 'running' || status.state === 'paused') ? '>' : ' ';
      lines.push(
        ` ${marker} ${describeStep(
          {
            canaryPercent: step.canaryPercent,
            ...(step.sampleRate === undefined ? {} : { sampleRate: step.sampleRate }),
            minDurationMs: parseDuration(step.minDuration) ?? 0,
            maxDurationMs: parseDuration(step.maxDuration) ?? 0,
            minSamples: step.minSamples ?? 0,
          },
          i,
        )}`,
      );
    });
  }
  lines.push('', 'Transitions (oldest first):');
  for (const t of status.history) {
    lines.push(
      `  ${t.at}  ${t.event.padEnd(13)} step ${t.step}  canary ${String(t.canaryPercent).padStart(3)}%  ${t.by}: ${t.reason}${
        t.evidence ? ` [${evidenceText(t.evidence)}]` : ''
      }`,
    );
  }
  return lines.join('\n');
}
