import { readFile } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { deployDir, root, runOk } from './support/run.js';

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean };
  volumes?: { secret?: { secretName: string } }[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    scaleTargetRef?: { kind: string; name: string };
    minReplicas?: number;
    maxReplicas?: number;
    ports?: { name?: string; port: number; targetPort?: string | number }[];
    type?: string;
    tls?: { hosts: string[]; secretName: string }[];
    rules?: { host: string; http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] } }[];
  };
}

/** The overlay as the cluster receives it. */
async function render(environment: string): Promise<K8sObject[]> {
  const overlay = `${deployDir}/kubernetes/overlays/${environment}`;
  const text = await runOk('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', overlay]);
  return parseAllDocuments(text).map((document) => document.toJS() as K8sObject);
}

/** The typed model of an object's kind, which checks it against the Kubernetes API schema. */
async function validateSchema(object: K8sObject): Promise<void> {
  const models = (await import(`kubernetes-models/${object.apiVersion}`)) as Record<
    string,
    new (data: K8sObject) => { validate(): void }
  >;
  const Model = models[object.kind];
  if (!Model) throw new Error(`no model for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe.each(['staging', 'production'])('kubernetes overlay: %s', async (environment) => {
  const objects = await render(environment);
  const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const named = (kind: string, name: string) => ofKind(kind).find((object) => object.metadata.name === name);
  const deployments = ofKind('Deployment');

  it('holds only objects valid against the Kubernetes API schemas', async () => {
    for (const object of objects) await validateSchema(object);
    expect(deployments.map((deployment) => deployment.metadata.name).sort()).toEqual(['api', 'web', 'worker']);
  });

  it("runs, until CI pins the commit, the newest image of the environment's branch, a tag the release workflow pushes", async () => {
    const branch = environment === 'production' ? 'main' : 'develop';
    for (const deployment of deployments) {
      for (const container of deployment.spec!.template!.spec.containers) expect(container.image).toMatch(new RegExp(`:${branch}$`));
    }
    expect(await readFile(`${root}/.github/workflows/release.yml`, 'utf8')).toContain('type=ref,event=branch');
  });

  it('puts everything in the environment namespace, which is created apart, once', async () => {
    const [namespace] = parseAllDocuments(await readFile(`${deployDir}/kubernetes/overlays/${environment}/namespace.yaml`, 'utf8')).map(
      (document) => document.toJS() as K8sObject,
    );
    expect(namespace).toMatchObject({ kind: 'Namespace', metadata: { name: environment === 'production' ? 'fibstack' : 'fibstack-staging' } });
    // Only namespaced objects: credentials limited to the namespace (CI's) can apply the overlay.
    for (const object of objects) expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).toBe(namespace!.metadata.name);
  });

  it('runs every container unprivileged, with resources and probes', () => {
    for (const deployment of deployments) {
      const pod = deployment.spec!.template!.spec;
      expect(pod.securityContext?.runAsNonRoot, deployment.metadata.name).toBe(true);
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(container.securityContext, container.name).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
        });
        expect(container.resources?.requests, container.name).toBeDefined();
        expect(container.resources?.limits?.memory, container.name).toBeDefined();
        expect(container.image, container.name).toMatch(/^ghcr\.io\/fibstack\/fibstack-(server|web):/);
      }
      for (const container of pod.containers) {
        expect(container.livenessProbe?.httpGet, container.name).toBeDefined();
        expect(container.readinessProbe?.httpGet, container.name).toBeDefined();
      }
    }
  });

  it('checks liveness on /api/health and readiness on /api/ready for the server roles', () => {
    for (const name of ['api', 'worker']) {
      const container = named('Deployment', name)!.spec!.template!.spec.containers[0]!;
      expect(container.livenessProbe?.httpGet?.path).toBe('/api/health');
      expect(container.readinessProbe?.httpGet?.path).toBe('/api/ready');
    }
  });

  it('names the metrics port the environment file opens, on the server roles', async () => {
    const settings = parseEnv(await readFile(`${deployDir}/env/${environment}.env`, 'utf8'));
    expect(settings.METRICS_PORT).toMatch(/^\d+$/);
    for (const name of ['api', 'worker']) {
      const container = named('Deployment', name)!.spec!.template!.spec.containers[0]!;
      expect(container.ports, name).toContainEqual({ name: 'metrics', containerPort: Number(settings.METRICS_PORT) });
    }
  });

  it('migrates before an api or worker pod starts: either may be the first of a release to run', () => {
    for (const name of ['api', 'worker']) {
      const init = named('Deployment', name)!.spec!.template!.spec.initContainers ?? [];
      expect(init.map((container) => container.command?.join(' ')), name).toEqual(['fibstack-entrypoint node server/dist/migrate.js']);
    }
  });

  it('configures the pods from the generated ConfigMap and the secret', () => {
    const configMaps = ofKind('ConfigMap').map((configMap) => configMap.metadata.name);
    for (const deployment of deployments.filter((d) => d.metadata.name !== 'web')) {
      const pod = deployment.spec!.template!.spec;
      for (const container of pod.containers) {
        const refs = (container.envFrom ?? []).map((source) => source.configMapRef?.name);
        expect(refs.length, container.name).toBe(1);
        expect(configMaps).toContain(refs[0]);
      }
      expect(pod.volumes?.map((volume) => volume.secret?.secretName)).toContain('fibstack-secrets');
    }
  });

  it('scales workers with a HorizontalPodAutoscaler', () => {
    const hpa = ofKind('HorizontalPodAutoscaler');
    expect(hpa).toHaveLength(1);
    expect(hpa[0]!.spec!.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'worker' });
    expect(hpa[0]!.spec!.maxReplicas).toBeGreaterThan(hpa[0]!.spec!.minReplicas!);
    // The autoscaler owns the count: an apply must not set it back.
    expect(named('Deployment', 'worker')!.spec).not.toHaveProperty('replicas');
  });

  it('guards every Deployment with a PodDisruptionBudget that selects its pods', () => {
    for (const deployment of deployments) {
      const labels = deployment.spec!.template!.metadata.labels;
      const budgets = ofKind('PodDisruptionBudget').filter((pdb) =>
        matches(pdb.spec!.selector!.matchLabels!, labels),
      );
      expect(budgets, deployment.metadata.name).toHaveLength(1);
    }
  });

  it('routes the Ingress to Services that select pods and name their ports', () => {
    const paths = ofKind('Ingress').flatMap((ingress) => ingress.spec!.rules!.flatMap((rule) => rule.http.paths));
    // As deploy/nginx/routes.conf routes them: the admin page and the queue dashboard come from the api.
    expect(Object.fromEntries(paths.map((path) => [path.path, path.backend.service.name]))).toEqual({ '/': 'web', '/api': 'api', '/admin': 'api' });
    for (const { backend } of paths) {
      const service = named('Service', backend.service.name)!;
      expect(service.spec!.ports!.map((port) => port.name)).toContain(backend.service.port.name);
      const pods = deployments.filter((d) =>
        matches(service.spec!.selector as Record<string, string>, d.spec!.template!.metadata.labels),
      );
      expect(pods, backend.service.name).toHaveLength(1);
    }
  });

  it("serves the environment's host over TLS alone", () => {
    const ingress = named('Ingress', 'fibstack')!;
    const host = ingress.spec!.rules![0]!.host;
    expect(host).toMatch(environment === 'production' ? /^fibstack\./ : /^staging\./);
    expect(ingress.spec!.tls).toEqual([{ hosts: [host], secretName: 'fibstack-tls' }]);
  });

  it('reaches Postgres and Redis as external managed services', () => {
    for (const name of ['postgres', 'redis']) {
      expect(named('Service', name)!.spec).toMatchObject({ type: 'ExternalName' });
    }
    expect(ofKind('StatefulSet')).toEqual([]);
  });
});
