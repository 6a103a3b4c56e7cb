/** Kubernetes: RBAC rules covering the `verb resource` actions used (a resource may be `pods/exec`). */

/** The API group of common resources; others get `*` (the audit summary names no group). */
const GROUPS: Record<string, string> = {
  pods: '', services: '', configmaps: '', secrets: '', serviceaccounts: '', persistentvolumeclaims: '', events: '', endpoints: '', namespaces: '', nodes: '', persistentvolumes: '',
  deployments: 'apps', statefulsets: 'apps', daemonsets: 'apps', replicasets: 'apps',
  jobs: 'batch', cronjobs: 'batch', ingresses: 'networking.k8s.io', networkpolicies: 'networking.k8s.io',
  roles: 'rbac.authorization.k8s.io', rolebindings: 'rbac.authorization.k8s.io', clusterroles: 'rbac.authorization.k8s.io', clusterrolebindings: 'rbac.authorization.k8s.io',
  horizontalpodautoscalers: 'autoscaling', poddisruptionbudgets: 'policy',
};

export interface K8sRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** One rule per (group, verb set): resources used with the same verbs share a rule. */
export function k8sRules(actions: string[]): K8sRule[] {
  const verbs = new Map<string, Set<string>>();
  for (const a of actions) {
    const [verb, resource] = a.split(' ');
    if (!verb || !resource) continue;
    verbs.set(resource, (verbs.get(resource) ?? new Set()).add(verb));
  }
  const rules = new Map<string, K8sRule>();
  for (const [resource, set] of [...verbs.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const group = GROUPS[resource.split('/')[0]!] ?? '*';
    const vs = [...set].sort();
    const key = `${group}|${vs.join(',')}`;
    const rule = rules.get(key) ?? { apiGroups: [group], resources: [], verbs: vs };
    rule.resources.push(resource);
    rules.set(key, rule);
  }
  return [...rules.values()];
}
