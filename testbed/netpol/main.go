// Command netpol-verdict answers, for a set of NetworkPolicies and a list of traffic cases, whether Kubernetes
// NetworkPolicy semantics allow each case. The verdicts come from cyclonus' pkg/matcher, the model SIG Network's
// policy-assistant and conformance work use; this file only reads JSON and prints JSON.
//
// stdin:  {"namespaces": {"<name>": {"<label>": "<value>"}}, "policies": [<NetworkPolicy>...], "cases": [<case>...]}
// case:   {"name", "source": <peer>, "destination": <peer>, "port": 8443, "portName": "websecure", "protocol": "TCP"}
// peer:   {"ip": "203.0.113.7"} (outside the cluster) or {"ip", "namespace", "labels"} (a pod)
// stdout: {"verdicts": [{"name", "allowed", "ingress": {"allowedBy", "deniedBy"}, "egress": {...}}]}
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	v1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

type peer struct {
	IP        string            `json:"ip"`
	Namespace string            `json:"namespace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

type trafficCase struct {
	Name        string `json:"name"`
	Source      peer   `json:"source"`
	Destination peer   `json:"destination"`
	Port        int    `json:"port"`
	PortName    string `json:"portName,omitempty"`
	Protocol    string `json:"protocol,omitempty"`
}

type input struct {
	Namespaces map[string]map[string]string `json:"namespaces"`
	Policies   []*networkingv1.NetworkPolicy `json:"policies"`
	Cases      []trafficCase                 `json:"cases"`
}

type direction struct {
	AllowedBy []string `json:"allowedBy"`
	DeniedBy  []string `json:"deniedBy"`
}

type verdict struct {
	Name    string    `json:"name"`
	Allowed bool      `json:"allowed"`
	Ingress direction `json:"ingress"`
	Egress  direction `json:"egress"`
}

func main() {
	var in input
	decoder := json.NewDecoder(os.Stdin)
	if err := decoder.Decode(&in); err != nil {
		fail(fmt.Errorf("reading input: %w", err))
	}
	policy, err := build(in.Policies)
	if err != nil {
		fail(err)
	}
	verdicts := make([]verdict, 0, len(in.Cases))
	for _, c := range in.Cases {
		protocol := v1.Protocol(c.Protocol)
		if protocol == "" {
			protocol = v1.ProtocolTCP
		}
		result := policy.IsTrafficAllowed(&matcher.Traffic{
			Source:           trafficPeer(c.Source, in.Namespaces),
			Destination:      trafficPeer(c.Destination, in.Namespaces),
			ResolvedPort:     c.Port,
			ResolvedPortName: c.PortName,
			Protocol:         protocol,
		})
		verdicts = append(verdicts, verdict{
			Name:    c.Name,
			Allowed: result.IsAllowed(),
			Ingress: describe(result.Ingress, in.Policies),
			Egress:  describe(result.Egress, in.Policies),
		})
	}
	output, _ := json.Marshal(map[string]any{"verdicts": verdicts})
	fmt.Println(string(output))
}

// build turns cyclonus' panics on a malformed peer into an error naming it.
func build(policies []*networkingv1.NetworkPolicy) (built *matcher.Policy, err error) {
	defer func() {
		if recovered := recover(); recovered != nil {
			err = fmt.Errorf("building policies: %v", recovered)
		}
	}()
	return matcher.BuildNetworkPolicies(false, policies), nil
}

func trafficPeer(p peer, namespaces map[string]map[string]string) *matcher.TrafficPeer {
	if p.Namespace == "" {
		return &matcher.TrafficPeer{IP: p.IP}
	}
	// Every namespace carries kubernetes.io/metadata.name (the API server sets it), as in a real cluster.
	labels := map[string]string{"kubernetes.io/metadata.name": p.Namespace}
	for key, value := range namespaces[p.Namespace] {
		labels[key] = value
	}
	podLabels := p.Labels
	if podLabels == nil {
		podLabels = map[string]string{}
	}
	return &matcher.TrafficPeer{
		IP:       p.IP,
		Internal: &matcher.InternalPeer{PodLabels: podLabels, NamespaceLabels: labels, Namespace: p.Namespace},
	}
}

// describe names the policies behind a verdict as namespace/name (a target is the union of the policies selecting
// the same pods, each of which lists its source policies).
func describe(result *matcher.DirectionResult, policies []*networkingv1.NetworkPolicy) direction {
	names := func(targets []*matcher.Target) []string {
		found := []string{}
		for _, target := range targets {
			for _, source := range target.SourceRules {
				found = append(found, source.Namespace+"/"+source.Name)
			}
		}
		sort.Strings(found)
		return found
	}
	return direction{AllowedBy: names(result.AllowingTargets), DeniedBy: names(result.DenyingTargets)}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "netpol-verdict:", err)
	os.Exit(2)
}
