"""Reproduces the Keras.io example "Proximal Policy Optimization" (CartPole).

Example: https://keras.io/examples/rl/ppo_cartpole/
Source:  https://github.com/keras-team/keras-io/blob/master/examples/rl/ppo_cartpole.py
Page:    https://github.com/keras-team/keras-io/blob/master/examples/rl/md/ppo_cartpole.md

Facts carried over from the page (its "Hyperparameters" and "Initializations" sections):
the CartPole-v0 environment (at most 200 steps an episode, reward 1 per step);
4000 environment steps per epoch, 30 epochs; gamma = 0.99; PPO-Clip with clip ratio 0.2;
an actor MLP Dense(64, tanh) -> Dense(64, tanh) -> Dense(2) (logits) and a separate critic
MLP Dense(64, tanh) -> Dense(64, tanh) -> Dense(1) (value); Adam with learning rate 3e-4
for the policy and 1e-3 for the value function; per epoch up to 80 full-batch policy steps
on the clipped surrogate (stopped early once the mean approximate KL, old minus new
log-probability, exceeds 1.5 * target_kl = 0.015) and then 80 full-batch value steps on the
mean squared error against the rewards-to-go; GAE advantages standardised over the epoch's
buffer; an episode cut by the end of the epoch is bootstrapped with the critic's value; the
printed line " Epoch: N. Mean Return: R. Mean Length: L" (means over the episodes that ended
in the epoch, the cut one included).

lambda: the page lists ``lam = 0.97`` among its hyperparameters but builds its buffer as
``Buffer(observation_dimensions, steps_per_epoch)``, so the buffer's default ``lam=0.95``
is what its run (and its printed log) used. We use 0.95, the value the page's code ran with.

Differences from the example:

- Environment: ``gymnasium`` (the maintained successor of ``gym``) instead of ``gym``, the
  same CartPole-v0 dynamics and 200-step limit. ``reset(seed=...)`` returns
  ``(observation, info)`` and ``step`` returns ``terminated`` and ``truncated``; an episode
  ends on either, and, as with gym's single ``done`` flag in the example, its last value is
  then 0 (the example also treats the 200-step time limit as terminal).
- Seeding: ``keras.utils.set_random_seed(42)`` (the harness adds the run's seed; the
  example sets none) and the environment is seeded once, on its first reset, with a number
  drawn from NumPy's generator so seeded.
- Acting: the example calls a ``tf.function`` actor and the critic once per environment
  step and samples with ``tf.random.categorical``. Here the agent acts with the same actor
  and critic computed in NumPy from their current weights (the weights change only in the
  updates after an epoch's 4000 steps, so the logits, log-probabilities and values are the
  same up to float rounding), and samples the action from the softmax with NumPy. This
  avoids 8000 Keras calls per epoch.
- Gradients: the updates are the example's losses in ``keras.ops``; the gradient is taken by
  the backend: ``tf.GradientTape`` in a ``tf.function`` on TensorFlow (the runs here),
  ``jax.value_and_grad`` of ``stateless_call`` (jit-compiled) on JAX; torch is refused.
- The trained actor (observation -> 2 logits) is kept as the top-level ``model`` (the
  harness saves it as ``model.keras``, since this loop never calls ``fit()``).
"""

import gymnasium as gym
import keras
import numpy as np
import scipy.signal
from keras import layers, ops

SEED = 42
ENV_ID = "CartPole-v0"
STEPS_PER_EPOCH = 4000
EPOCHS = 30
GAMMA = 0.99
CLIP_RATIO = 0.2
POLICY_LEARNING_RATE = 3e-4
VALUE_FUNCTION_LEARNING_RATE = 1e-3
TRAIN_POLICY_ITERATIONS = 80
TRAIN_VALUE_ITERATIONS = 80
LAM = 0.95  # the page lists 0.97, but its Buffer is built with the default 0.95 (see above)
TARGET_KL = 0.01
HIDDEN_SIZES = (64, 64)
NUM_INPUTS = 4
NUM_ACTIONS = 2


def mlp(inputs, sizes):
    """Dense(tanh) hidden layers, then a linear output layer."""
    x = inputs
    for size in sizes[:-1]:
        x = layers.Dense(size, activation="tanh")(x)
    return layers.Dense(sizes[-1])(x)


def build_actor() -> keras.Model:
    inputs = keras.Input(shape=(NUM_INPUTS,), dtype="float32")
    return keras.Model(inputs, mlp(inputs, [*HIDDEN_SIZES, NUM_ACTIONS]), name="actor")


def build_critic() -> keras.Model:
    inputs = keras.Input(shape=(NUM_INPUTS,), dtype="float32")
    return keras.Model(inputs, mlp(inputs, [*HIDDEN_SIZES, 1]), name="critic")


def numpy_mlp(net: keras.Model):
    """The network in NumPy (float32) with its current weights: one observation -> output."""
    weights = [np.asarray(w, dtype="float32") for w in net.get_weights()]
    pairs = list(zip(weights[0::2], weights[1::2], strict=True))

    def forward(x: np.ndarray) -> np.ndarray:
        for kernel, bias in pairs[:-1]:
            x = np.tanh(x @ kernel + bias)
        kernel, bias = pairs[-1]
        return x @ kernel + bias

    return forward


def log_softmax_np(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


def discounted_cumulative_sums(x: np.ndarray, discount: float) -> np.ndarray:
    """y[t] = sum_k discount^k x[t + k] (rewards-to-go, GAE)."""
    return scipy.signal.lfilter([1], [1, float(-discount)], x[::-1], axis=0)[::-1]


class Buffer:
    """One epoch of transitions, with GAE-lambda advantages and rewards-to-go."""

    def __init__(self, size: int):
        self.observations = np.zeros((size, NUM_INPUTS), dtype="float32")
        self.actions = np.zeros(size, dtype="int32")
        self.advantages = np.zeros(size, dtype="float32")
        self.rewards = np.zeros(size, dtype="float32")
        self.returns = np.zeros(size, dtype="float32")
        self.values = np.zeros(size, dtype="float32")
        self.logprobabilities = np.zeros(size, dtype="float32")
        self.pointer = self.start = 0

    def store(self, observation, action, reward, value, logprobability):
        i = self.pointer
        self.observations[i] = observation
        self.actions[i] = action
        self.rewards[i] = reward
        self.values[i] = value
        self.logprobabilities[i] = logprobability
        self.pointer += 1

    def finish_trajectory(self, last_value: float = 0.0):
        path = slice(self.start, self.pointer)
        rewards = np.append(self.rewards[path], last_value)
        values = np.append(self.values[path], last_value)
        deltas = rewards[:-1] + GAMMA * values[1:] - values[:-1]
        self.advantages[path] = discounted_cumulative_sums(deltas, GAMMA * LAM)
        self.returns[path] = discounted_cumulative_sums(rewards, GAMMA)[:-1]
        self.start = self.pointer

    def get(self):
        self.pointer = self.start = 0
        mean, std = np.mean(self.advantages), np.std(self.advantages)
        advantages = ((self.advantages - mean) / std).astype("float32")
        return self.observations, self.actions, advantages, self.returns, self.logprobabilities


def logprobabilities(logits, actions):
    """log pi(a | s) of the taken actions, from the actor's logits."""
    log_all = ops.log_softmax(logits, axis=-1)
    return ops.sum(ops.one_hot(actions, NUM_ACTIONS) * log_all, axis=1)


def policy_loss(logits, actions, old_logprobabilities, advantages):
    """The negated PPO-Clip surrogate."""
    ratio = ops.exp(logprobabilities(logits, actions) - old_logprobabilities)
    min_advantage = ops.where(
        advantages > 0, (1 + CLIP_RATIO) * advantages, (1 - CLIP_RATIO) * advantages
    )
    return -ops.mean(ops.minimum(ratio * advantages, min_advantage))


def approximate_kl(logits, actions, old_logprobabilities):
    return ops.mean(old_logprobabilities - logprobabilities(logits, actions))


def value_loss(values, returns):
    return ops.mean((returns - ops.squeeze(values, axis=1)) ** 2)


def make_updates(actor, critic, policy_optimizer, value_optimizer):
    """(train_policy, train_value_function) for the backend: one full-batch step each."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function
        def train_policy(observations, actions, old_logprobabilities, advantages):
            with tf.GradientTape() as tape:
                loss = policy_loss(actor(observations), actions, old_logprobabilities, advantages)
            grads = tape.gradient(loss, actor.trainable_variables)
            policy_optimizer.apply_gradients(zip(grads, actor.trainable_variables, strict=True))
            return approximate_kl(actor(observations), actions, old_logprobabilities)

        @tf.function
        def train_value_function(observations, returns):
            with tf.GradientTape() as tape:
                loss = value_loss(critic(observations), returns)
            grads = tape.gradient(loss, critic.trainable_variables)
            value_optimizer.apply_gradients(zip(grads, critic.trainable_variables, strict=True))

        def policy_step(*batch):
            return float(train_policy(*batch))

        return policy_step, train_value_function
    if backend == "jax":
        import jax

        def stateless(net, loss_fn):
            non_trainable = [v.value for v in net.non_trainable_variables]

            def wrapped(trainable, observations, *rest):
                outputs, _ = net.stateless_call(trainable, non_trainable, observations)
                return loss_fn(outputs, *rest)

            return wrapped

        policy_grad = jax.jit(jax.grad(stateless(actor, policy_loss)))
        kl_fn = jax.jit(stateless(actor, approximate_kl))
        value_grad = jax.jit(jax.grad(stateless(critic, value_loss)))

        def policy_step(observations, actions, old_logprobabilities, advantages):
            trainable = [v.value for v in actor.trainable_variables]
            grads = policy_grad(trainable, observations, actions, old_logprobabilities, advantages)
            policy_optimizer.apply_gradients(zip(grads, actor.trainable_variables, strict=True))
            trainable = [v.value for v in actor.trainable_variables]
            return float(kl_fn(trainable, observations, actions, old_logprobabilities))

        def value_step(observations, returns):
            trainable = [v.value for v in critic.trainable_variables]
            grads = value_grad(trainable, observations, returns)
            value_optimizer.apply_gradients(zip(grads, critic.trainable_variables, strict=True))

        return policy_step, value_step
    raise RuntimeError(
        f"this training loop computes gradients on tensorflow or jax, not {backend!r}: "
        "run it with KERAS_BACKEND=tensorflow or jax"
    )


keras.utils.set_random_seed(SEED)
env = gym.make(ENV_ID)
env_seed = int(np.random.randint(0, 2**31 - 1))
actor = build_actor()
model = actor  # the policy (observation -> action logits) the harness saves as model.keras
critic = build_critic()
policy_optimizer = keras.optimizers.Adam(learning_rate=POLICY_LEARNING_RATE)
value_optimizer = keras.optimizers.Adam(learning_rate=VALUE_FUNCTION_LEARNING_RATE)
train_policy, train_value_function = make_updates(
    actor, critic, policy_optimizer, value_optimizer
)
buffer = Buffer(STEPS_PER_EPOCH)

observation, _ = env.reset(seed=env_seed)
episode_return, episode_length = 0.0, 0
for epoch in range(EPOCHS):
    sum_return, sum_length, num_episodes = 0.0, 0, 0
    act, value_of = numpy_mlp(actor), numpy_mlp(critic)  # this epoch's weights
    for t in range(STEPS_PER_EPOCH):
        observation = np.asarray(observation, dtype="float32")
        log_probs = log_softmax_np(act(observation))
        action = int(np.random.choice(NUM_ACTIONS, p=np.exp(log_probs) / np.exp(log_probs).sum()))
        observation_new, reward, terminated, truncated, _ = env.step(action)
        episode_return += reward
        episode_length += 1
        buffer.store(observation, action, reward, value_of(observation)[0], log_probs[action])
        observation = observation_new

        done = terminated or truncated
        if done or t == STEPS_PER_EPOCH - 1:
            last_value = 0.0 if done else float(value_of(np.asarray(observation, "float32"))[0])
            buffer.finish_trajectory(last_value)
            sum_return += episode_return
            sum_length += episode_length
            num_episodes += 1
            (observation, _), episode_return, episode_length = env.reset(), 0.0, 0

    observations, actions, advantages, returns, old_logprobabilities = buffer.get()
    for _ in range(TRAIN_POLICY_ITERATIONS):
        kl = train_policy(observations, actions, old_logprobabilities, advantages)
        if kl > 1.5 * TARGET_KL:
            break  # early stopping on the approximate KL, as in the example
    for _ in range(TRAIN_VALUE_ITERATIONS):
        train_value_function(observations, returns)

    print(
        f" Epoch: {epoch + 1}. Mean Return: {sum_return / num_episodes}. "
        f"Mean Length: {sum_length / num_episodes}",
        flush=True,
    )

env.close()
