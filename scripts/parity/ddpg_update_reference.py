#!/usr/bin/env python3
"""Independent reference for the DDPG update AMC trains its agent with (Lillicrap et al. 2016; AMC's
settings: Adam 1e-4 actor / 1e-3 critic, tau 0.01, gamma 1, the baseline subtracted from the reward),
written with NumPy and hand-derived backpropagation (no Prune code, no autodiff). Small networks
(state 3, hidden 4) start from the weights in the fixture; two updates run on the same batch of four
transitions (one of them an episode's last step), so the second Adam step depends on the gradients'
sizes, not only their signs. The fixture holds the initial weights, the batch and the weights after.

Run: python3 scripts/parity/ddpg_update_reference.py > Tests/PruningGraphTests/Fixtures/ddpg_update_reference.json
"""
import json
import numpy as np

rng = np.random.default_rng(11)
STATE, HIDDEN = 3, 4
TAU, BASELINE = 0.01, 0.3


def network(inputs):
    return [rng.normal(0, 0.5, (HIDDEN, inputs)), rng.normal(0, 0.1, HIDDEN),
            rng.normal(0, 0.5, (HIDDEN, HIDDEN)), rng.normal(0, 0.1, HIDDEN),
            rng.normal(0, 0.5, (1, HIDDEN)), rng.normal(0, 0.1, 1)]


def forward(p, x):
    z1 = x @ p[0].T + p[1]; h1 = np.maximum(z1, 0)
    z2 = h1 @ p[2].T + p[3]; h2 = np.maximum(z2, 0)
    return h2 @ p[4].T + p[5], (x, z1, h1, z2, h2)


def backward(p, cache, d_out):
    x, z1, h1, z2, h2 = cache
    g = [None] * 6
    g[4] = d_out.T @ h2; g[5] = d_out.sum(0)
    d2 = (d_out @ p[4]) * (z2 > 0)
    g[2] = d2.T @ h1; g[3] = d2.sum(0)
    d1 = (d2 @ p[2]) * (z1 > 0)
    g[0] = d1.T @ x; g[1] = d1.sum(0)
    return g, d1 @ p[0]


class Adam:
    def __init__(self, params, lr):
        self.lr, self.t = lr, 0
        self.m = [np.zeros_like(q) for q in params]; self.v = [np.zeros_like(q) for q in params]

    def step(self, params, grads):
        self.t += 1
        for i, (q, g) in enumerate(zip(params, grads)):
            self.m[i] = 0.9 * self.m[i] + 0.1 * g
            self.v[i] = 0.999 * self.v[i] + 0.001 * g * g
            m_hat = self.m[i] / (1 - 0.9 ** self.t); v_hat = self.v[i] / (1 - 0.999 ** self.t)
            params[i] = q - self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


actor, critic = network(STATE), network(STATE + 1)
actor_t, critic_t = network(STATE), network(STATE + 1)
initial = {k: [q.ravel().tolist() for q in v] for k, v in
           [("actor", actor), ("critic", critic), ("actorTarget", actor_t), ("criticTarget", critic_t)]}
states = rng.uniform(0, 1, (4, STATE)); actions = rng.uniform(0, 1, (4, 1)); rewards = rng.uniform(0, 1, 4)
nexts = rng.uniform(0, 1, (4, STATE)); terminal = np.array([False, False, False, True])
a_opt, c_opt = Adam(actor, 1e-4), Adam(critic, 1e-3)
for _ in range(2):
    mu_next = sigmoid(forward(actor_t, nexts)[0])
    q_next = forward(critic_t, np.hstack([nexts, mu_next]))[0][:, 0]
    y = rewards - BASELINE + np.where(terminal, 0, q_next)
    q, cache = forward(critic, np.hstack([states, actions]))
    grads, _ = backward(critic, cache, 2 * (q - y[:, None]) / len(y))
    c_opt.step(critic, grads)
    za, a_cache = forward(actor, states); mu = sigmoid(za)
    q, cache = forward(critic, np.hstack([states, mu]))
    _, d_input = backward(critic, cache, -np.ones_like(q) / len(q))
    d_mu = d_input[:, STATE:]
    a_grads, _ = backward(actor, a_cache, d_mu * mu * (1 - mu))
    a_opt.step(actor, a_grads)
    actor_t = [TAU * s + (1 - TAU) * t for s, t in zip(actor, actor_t)]
    critic_t = [TAU * s + (1 - TAU) * t for s, t in zip(critic, critic_t)]
after = {k: [q.ravel().tolist() for q in v] for k, v in
         [("actor", actor), ("critic", critic), ("actorTarget", actor_t), ("criticTarget", critic_t)]}
print(json.dumps({"state": STATE, "hidden": HIDDEN, "tau": TAU, "baseline": BASELINE, "initial": initial,
                  "after": after, "states": states.tolist(), "actions": actions[:, 0].tolist(),
                  "rewards": rewards.tolist(), "next": nexts.tolist(), "terminal": terminal.tolist()}))
