/** axe-core run in a page of the app: what a person relying on assistive technology would trip over. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: { target: string[] }[];
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core in the page; returns what a person relying on assistive technology would trip over. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated rather than added as a script tag: the page's security policy rightly refuses inline scripts.
  await page.evaluate(await axeSource);
  const { violations, passes } = await page.evaluate(async () => {
    type Results = { violations: unknown[]; passes: unknown[] };
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<Results> } }).axe;
    const results = await axe.run(document);
    return { violations: results.violations, passes: results.passes.length };
  });
  // A scan that checked nothing would pass too: make sure the rules ran.
  expect(passes).toBeGreaterThan(10);
  return (violations as AxeViolation[])
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`);
}
