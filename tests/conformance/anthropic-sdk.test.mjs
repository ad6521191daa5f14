// The Anthropic TypeScript SDK against the proxy: messages, the streaming helper, tool use, count_tokens, error types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { proxyUrl, apiKey, skipReason, route, toolResultPrefix } from './support.mjs';

const client = (options = {}) => new Anthropic({ baseURL: proxyUrl, apiKey, maxRetries: 0, timeout: 60_000, ...options });

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const textOf = (message) => message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

test('messages.create returns a routed answer in the Anthropic shape', { skip: skipReason }, async () => {
  const message = await client().messages.create({
    model: route('fake', 'conformance-default'),
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Hello' }],
  });
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(textOf(message), 'Conformance answer from conformance-default.');
  assert.ok(message.usage.output_tokens > 0);
});

test('messages.create through an Anthropic-format provider (preset path) answers too', { skip: skipReason }, async () => {
  const message = await client({ baseURL: `${proxyUrl}/preset/native` }).messages.create({
    model: 'claude-sonnet-4-5',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Hello' }],
  });
  assert.equal(textOf(message), 'Conformance answer from conformance-default.');
});

test('messages.stream helper yields text events and a final message', { skip: skipReason }, async () => {
  const stream = client().messages.stream({
    model: route('fake', 'conformance-default'),
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Hello' }],
  });
  let streamed = '';
  stream.on('text', (delta) => { streamed += delta; });
  const final = await stream.finalMessage();
  assert.equal(streamed, 'Conformance answer from conformance-default.');
  assert.equal(textOf(final), streamed);
  assert.equal(final.stop_reason, 'end_turn');
});

test('a stream with silences: ping events on the wire between deltas, which the SDK skips, and the text is whole', { skip: skipReason }, async () => {
  const request = {
    model: route('fake', 'silent-thinker'),
    max_tokens: 64,
    stream: true,
    messages: [{ role: 'user', content: 'Take your time' }],
  };
  // The SDK drops ping events itself, so the wire is read raw to see them.
  const wire = await (await client().messages.create(request).asResponse()).text();
  const afterFirstDelta = wire.slice(wire.indexOf('event: content_block_delta'));
  assert.match(afterFirstDelta, /\nevent: ping\ndata: \{"type": ?"ping"\}\n\nevent: content_block_delta/, wire);

  let text = '';
  const types = [];
  for await (const event of await client().messages.create(request)) {
    types.push(event.type);
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
  }
  assert.equal(text, 'tick.tick.');
  assert.equal(types.at(-1), 'message_stop');
});

test('messages.stream with a reasoning upstream yields a thinking block before the text', { skip: skipReason }, async () => {
  const final = await client().messages.stream({
    model: route('fake', 'reasoning'),
    max_tokens: 256,
    messages: [{ role: 'user', content: 'Think, then answer' }],
  }).finalMessage();
  assert.deepEqual(final.content.map((b) => b.type), ['thinking', 'text']);
  assert.match(final.content[0].thinking, /short answer/);
  assert.equal(final.content[1].text, 'Reasoned answer.');
});

async function toolRoundTrip(provider) {
  const anthropic = client();
  const messages = [{ role: 'user', content: 'What is the weather in Paris?\ntool-args: {"city":"Paris"}' }];
  const first = await anthropic.messages.create({ model: route(provider, 'tool-then-answer'), max_tokens: 256, tools: [weatherTool], messages });
  assert.equal(first.stop_reason, 'tool_use');
  const call = first.content.find((b) => b.type === 'tool_use');
  assert.ok(call, JSON.stringify(first.content));
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(call.input, { city: 'Paris' });

  messages.push({ role: 'assistant', content: first.content });
  messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Sunny, 21 C' }] });
  const second = await anthropic.messages.create({ model: route(provider, 'tool-then-answer'), max_tokens: 256, tools: [weatherTool], messages });
  assert.equal(second.stop_reason, 'end_turn');
  assert.equal(textOf(second), `${toolResultPrefix}Sunny, 21 C`);
}

test('tool use round trip (OpenAI-format upstream): tool_use, then an answer from the tool_result', { skip: skipReason }, () => toolRoundTrip('fake'));

test('tool use round trip (Anthropic-format upstream): tool_use, then an answer from the tool_result', { skip: skipReason }, () => toolRoundTrip('fakeant'));

test('messages.stream tool use: the final message carries the parsed tool input', { skip: skipReason }, async () => {
  const final = await client().messages.stream({
    model: route('fake', 'tool-then-answer'),
    max_tokens: 256,
    tools: [weatherTool],
    messages: [{ role: 'user', content: 'Weather?\ntool-args: {"city":"Lyon"}' }],
  }).finalMessage();
  assert.equal(final.stop_reason, 'tool_use');
  const call = final.content.find((b) => b.type === 'tool_use');
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(call.input, { city: 'Lyon' });
});

test('messages.countTokens returns a positive input_tokens', { skip: skipReason }, async () => {
  const counted = await client().messages.countTokens({
    model: route('fake', 'conformance-default'),
    messages: [{ role: 'user', content: 'Count these words, please, all of them.' }],
  });
  assert.equal(typeof counted.input_tokens, 'number');
  assert.ok(counted.input_tokens > 0);
});

test('a wrong proxy key is an AuthenticationError', { skip: skipReason }, async () => {
  await assert.rejects(
    client({ apiKey: 'not-the-key' }).messages.create({ model: route('fake', 'conformance-default'), max_tokens: 8, messages: [{ role: 'user', content: 'Hi' }] }),
    (error) => error instanceof Anthropic.AuthenticationError && error.status === 401,
  );
});

test('an unknown preset path is a NotFoundError', { skip: skipReason }, async () => {
  await assert.rejects(
    client({ baseURL: `${proxyUrl}/preset/no-such-preset` }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'Hi' }] }),
    (error) => error instanceof Anthropic.NotFoundError && error.status === 404,
  );
});

test('an upstream rate limit on every tier is a RateLimitError', { skip: skipReason }, async () => {
  await assert.rejects(
    client().messages.create({ model: route('fake', 'rate-limited'), max_tokens: 8, messages: [{ role: 'user', content: 'Hi' }] }),
    (error) => error instanceof Anthropic.RateLimitError && error.status === 429,
  );
});

test('a malformed request is a BadRequestError', { skip: skipReason }, async () => {
  await assert.rejects(
    client().messages.create({ model: route('fake', 'conformance-default'), max_tokens: 8, messages: 'not a list' }),
    (error) => error instanceof Anthropic.BadRequestError && error.status === 400,
  );
});
