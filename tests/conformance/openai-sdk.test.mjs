// The OpenAI TypeScript SDK against the proxy: chat completions (stream and not, tools) and responses (stream and not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { proxyUrl, apiKey, skipReason, route, toolResultPrefix } from './support.mjs';

const client = (options = {}) => new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey, maxRetries: 0, timeout: 60_000, ...options });

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

test('chat.completions.create returns a routed chat.completion', { skip: skipReason }, async () => {
  const completion = await client().chat.completions.create({
    model: route('fake', 'conformance-default'),
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }],
  });
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.choices[0].message.role, 'assistant');
  assert.equal(completion.choices[0].message.content, 'Conformance answer from conformance-default.');
  assert.equal(completion.choices[0].finish_reason, 'stop');
  assert.ok(completion.usage.completion_tokens > 0);
});

test('chat.completions.create stream yields chunks that add up to the answer', { skip: skipReason }, async () => {
  const stream = await client().chat.completions.create({
    model: route('fake', 'conformance-default'),
    messages: [{ role: 'user', content: 'Hello' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    for (const choice of chunk.choices) {
      text += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
    }
    usage = chunk.usage ?? usage;
  }
  assert.equal(text, 'Conformance answer from conformance-default.');
  assert.equal(finish, 'stop');
  assert.ok(usage && usage.completion_tokens > 0, 'include_usage gives a usage chunk');
});

test('chat.completions stream with silences: the keep-alive comments are skipped and the text is whole', { skip: skipReason }, async () => {
  const stream = await client().chat.completions.create({
    model: route('fake', 'silent-thinker'),
    messages: [{ role: 'user', content: 'Take your time' }],
    stream: true,
  });
  let text = '';
  let chunks = 0;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    chunks += 1;
    for (const choice of chunk.choices) text += choice.delta.content ?? '';
  }
  assert.equal(text, 'tick.tick.');
  assert.ok(chunks >= 2);
});

test('chat.completions tool round trip: tool_calls, then an answer from the tool message', { skip: skipReason }, async () => {
  const openai = client();
  const messages = [{ role: 'user', content: 'What is the weather in Paris?\ntool-args: {"city":"Paris"}' }];
  const first = await openai.chat.completions.create({ model: route('fake', 'tool-then-answer'), tools: [weatherTool], messages });
  const choice = first.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  const call = choice.message.tool_calls[0];
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });

  messages.push(choice.message);
  messages.push({ role: 'tool', tool_call_id: call.id, content: 'Rain, 12 C' });
  const second = await openai.chat.completions.create({ model: route('fake', 'tool-then-answer'), tools: [weatherTool], messages });
  assert.equal(second.choices[0].finish_reason, 'stop');
  assert.equal(second.choices[0].message.content, `${toolResultPrefix}Rain, 12 C`);
});

test('chat.completions stream with tools: the runner assembles the tool call', { skip: skipReason }, async () => {
  const stream = client().chat.completions.stream({
    model: route('fake', 'tool-then-answer'),
    tools: [weatherTool],
    messages: [{ role: 'user', content: 'Weather?\ntool-args: {"city":"Lyon"}' }],
  });
  const final = await stream.finalChatCompletion();
  const choice = final.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(JSON.parse(choice.message.tool_calls[0].function.arguments), { city: 'Lyon' });
});

test('responses.create returns a completed response with output_text', { skip: skipReason }, async () => {
  const response = await client().responses.create({
    model: route('fake', 'conformance-default'),
    instructions: 'Be brief.',
    input: 'Hello',
  });
  assert.equal(response.object, 'response');
  assert.equal(response.status, 'completed');
  assert.equal(response.output_text, 'Conformance answer from conformance-default.');
});

test('responses.create stream yields deltas and a response.completed event', { skip: skipReason }, async () => {
  const stream = await client().responses.create({
    model: route('fake', 'conformance-default'),
    input: [{ role: 'user', content: 'Hello' }],
    stream: true,
  });
  const types = [];
  let text = '';
  let completed = null;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'response.output_text.delta') text += event.delta;
    if (event.type === 'response.completed') completed = event.response;
  }
  assert.equal(types[0], 'response.created');
  assert.equal(types.at(-1), 'response.completed');
  assert.equal(text, 'Conformance answer from conformance-default.');
  assert.equal(completed.status, 'completed');
  assert.equal(completed.output_text ?? completed.output[0].content[0].text, text);
});

test('responses tool round trip: function_call, then an answer from function_call_output', { skip: skipReason }, async () => {
  const openai = client();
  const tools = [{ type: 'function', name: 'get_weather', parameters: weatherTool.function.parameters, strict: false }];
  const input = [{ role: 'user', content: 'Weather in Oslo?\ntool-args: {"city":"Oslo"}' }];
  const first = await openai.responses.create({ model: route('fake', 'tool-then-answer'), tools, input });
  const call = first.output.find((item) => item.type === 'function_call');
  assert.ok(call, JSON.stringify(first.output));
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.arguments), { city: 'Oslo' });

  input.push(call);
  input.push({ type: 'function_call_output', call_id: call.call_id, output: 'Snow, -3 C' });
  const second = await openai.responses.create({ model: route('fake', 'tool-then-answer'), tools, input });
  assert.equal(second.output_text, `${toolResultPrefix}Snow, -3 C`);
});

test('a wrong proxy key is an OpenAI AuthenticationError', { skip: skipReason }, async () => {
  await assert.rejects(
    client({ apiKey: 'not-the-key' }).chat.completions.create({ model: route('fake', 'conformance-default'), messages: [{ role: 'user', content: 'Hi' }] }),
    (error) => error instanceof OpenAI.AuthenticationError && error.status === 401,
  );
});

test('an upstream rate limit on every tier is an OpenAI RateLimitError', { skip: skipReason }, async () => {
  await assert.rejects(
    client().chat.completions.create({ model: route('fake', 'rate-limited-openai'), messages: [{ role: 'user', content: 'Hi' }] }),
    (error) => error instanceof OpenAI.RateLimitError && error.status === 429,
  );
});
