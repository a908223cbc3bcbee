'use strict';

/**
 * Runs telegram-test-api 4.2.1 as a Bot API emulator for the end-to-end tests.
 *
 * Usage: node launcher.js PORT   (or BOT_API_EMULATOR_PORT=PORT node launcher.js)
 *
 * Listens on 127.0.0.1:PORT and prints "READY <port>" once it accepts connections.
 *
 * The package builds its express app from a list of route registrars when a
 * TelegramServer is constructed, so the gaps that python-telegram-bot runs into
 * are filled by swapping or adding registrars in that list before construction;
 * nothing in node_modules is edited.
 */

const crypto = require('crypto');

const TelegramServer = require('telegram-test-api');
const { routes } = require('telegram-test-api/lib/routes');
const { handle } = require('telegram-test-api/lib/routes/bot/utils');
const { getMe } = require('telegram-test-api/lib/routes/bot/getMe');
const { getUpdates } = require('telegram-test-api/lib/routes/bot/getUpdates');
const { sendMessage } = require('telegram-test-api/lib/routes/bot/sendMessage');
const { editMessageText } = require('telegram-test-api/lib/routes/bot/editMessageText');
const { editMessageReplyMarkup } = require('telegram-test-api/lib/routes/bot/editMessageReplyMarkup');
const { unknownMethod } = require('telegram-test-api/lib/routes/bot/unknownMethod');

const HOST = '127.0.0.1';
const USER_UPDATE_EVENTS = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery', 'AddedUserInlineQuery'];
/** Telegram's limits on an answer to an inline query. */
const MAX_INLINE_RESULTS = 50;
const MAX_MESSAGE_LENGTH = 4096;

/** Every Bot API call, per bot token, in arrival order. */
const recordedCalls = new Map();
/** Inline queries sent by users, per bot token: id -> { answered }. */
const inlineQueries = new Map();
/** The bot's answers to inline queries, per bot token, in arrival order. */
const inlineAnswers = new Map();
/** Chats the tests made known (channels), per bot token: { chat, members: { userId: status } }. */
const knownChats = new Map();
let nextInlineQueryId = 1;

function perToken(map, token, empty) {
  if (!map.has(token)) {
    map.set(token, empty());
  }
  return map.get(token);
}

function replaceRoute(original, replacement) {
  const index = routes.indexOf(original);
  if (index === -1) {
    throw new Error(`telegram-test-api no longer registers ${original.name}; re-check the patches`);
  }
  routes[index] = replacement;
}

function badRequest(res, description) {
  res.status(400).json({ ok: false, error_code: 400, description: `Bad Request: ${description}` });
}

function findBotMessage(server, token, chatId, messageId) {
  return server.storage.botMessages.find((stored) => stored.botToken === token
    && String(stored.message.chat_id) === String(chatId)
    && String(stored.messageId) === String(messageId));
}

/**
 * The Message that Telegram answers for a stored bot message. Built from storage so that
 * sendMessage, sendDocument, sendPhoto and editMessageText all answer the same shape.
 */
function asTelegramMessage(stored) {
  const { message } = stored;
  const chatId = Number(message.chat_id);
  const result = {
    message_id: stored.messageId,
    // Telegram dates are Unix seconds; the package keeps milliseconds.
    date: Math.floor(stored.time / 1000),
    chat: { id: chatId, type: chatId < 0 ? 'group' : 'private' },
  };
  for (const key of ['text', 'entities', 'caption']) {
    if (message[key] !== undefined) {
      result[key] = message[key];
    }
  }
  if (message.document) {
    const { content_base64: _content, ...document } = message.document;
    result.document = document;
  }
  if (message.photo) {
    result.photo = message.photo.map(({ content_base64: _content, ...size }) => size);
  }
  if (message.reply_markup && 'inline_keyboard' in message.reply_markup) {
    result.reply_markup = message.reply_markup;
  }
  return result;
}

function storeBotMessage(server, body, token) {
  const { message_id: messageId } = server.addBotMessage(body, token);
  return findBotMessage(server, token, body.chat_id, messageId);
}

/**
 * python-telegram-bot uploads files as multipart/form-data, which the package does not parse
 * at all. Text parts go to req.body like urlencoded fields, files to req.files by part name.
 */
async function parseMultipart(req, _res, next) {
  if (!req.is('multipart/form-data')) {
    next();
    return;
  }
  try {
    const chunks = [];
    for await (const chunk of req) {
      chunks.push(chunk);
    }
    const form = await new Response(Buffer.concat(chunks), {
      headers: { 'content-type': req.headers['content-type'] },
    }).formData();
    req.body = {};
    req.files = {};
    for (const [name, value] of form) {
      if (typeof value === 'string') {
        req.body[name] = value;
      } else {
        req.files[name] = {
          file_name: value.name,
          mime_type: value.type,
          content: Buffer.from(await value.arrayBuffer()),
        };
      }
    }
    next();
  } catch (error) {
    next(error);
  }
}

function recordCall(req, _res, next) {
  const { token, method } = req.params;
  if (!recordedCalls.has(token)) {
    recordedCalls.set(token, []);
  }
  const files = {};
  for (const [name, file] of Object.entries(req.files || {})) {
    files[name] = { file_name: file.file_name, mime_type: file.mime_type, size: file.content.length };
  }
  recordedCalls.get(token).push({
    method, params: { ...req.query, ...req.body }, files, time: Date.now(),
  });
  next();
}

/** The upload a send* method refers to: the part named after the field, or an attach:// URI. */
function uploadedFile(req, field) {
  const value = req.body[field];
  const partName = typeof value === 'string' && value.startsWith('attach://')
    ? value.slice('attach://'.length) : field;
  return (req.files || {})[partName];
}

function documentFrom(req) {
  const file = uploadedFile(req, 'document');
  if (!file) {
    // A file_id or URL of a file "already on Telegram": nothing was uploaded.
    return { file_id: String(req.body.document), file_unique_id: String(req.body.document) };
  }
  const id = crypto.randomUUID();
  return {
    file_id: `document-${id}`,
    file_unique_id: id,
    file_name: file.file_name,
    mime_type: file.mime_type,
    file_size: file.content.length,
    content_base64: file.content.toString('base64'),
  };
}

/** A sent picture as Telegram answers it: one PhotoSize, its width and height read from the PNG header. */
function photoFrom(req) {
  const file = uploadedFile(req, 'photo');
  if (!file) {
    const id = String(req.body.photo);
    return [{ file_id: id, file_unique_id: id, width: 0, height: 0 }];
  }
  const { content } = file;
  const png = content.length >= 24 && content.subarray(1, 4).toString('latin1') === 'PNG';
  const id = crypto.randomUUID();
  return [{
    file_id: `photo-${id}`,
    file_unique_id: id,
    width: png ? content.readUInt32BE(16) : 0,
    height: png ? content.readUInt32BE(20) : 0,
    file_size: content.length,
    content_base64: content.toString('base64'),
  }];
}

/** Runs before every package route: request parsing and recording for the tests. */
function harnessMiddleware(app, server) {
  app.use(parseMultipart);
  app.all('/bot:token/:method', recordCall);

  // Patch 7: the package asserts on a missing botToken inside an un-awaited promise, so the
  // rejection is unhandled and kills the whole emulator; refuse the request instead.
  app.post(['/sendMessage', '/sendCommand', '/sendCallback', '/sendInlineQuery'], (req, res, next) => {
    if (!req.body || !req.body.botToken) {
      badRequest(res, 'client requests need a `botToken` field naming the bot they are for');
      return;
    }
    next();
  });

  // Lets the tests assert on what the bot asked Telegram for (e.g. setMyCommands with a scope).
  app.post('/getBotApiCalls', (req, res) => {
    res.json({ ok: true, result: recordedCalls.get(req.body.token) || [] });
  });

  // Patch 8: the package has no inline mode. A user's inline query becomes an update of
  // its own; the bot's answerInlineQuery is checked as Telegram checks it (a query id it was
  // sent and has not answered, at most 50 results with unique ids, each article with a
  // title and a message of at most 4096 characters) and kept for the tests to read.
  app.post('/sendInlineQuery', async (req, res, next) => {
    try {
      const { botToken, from, query = '', offset = '', chat_type: chatType = 'sender' } = req.body;
      const id = String(nextInlineQueryId);
      nextInlineQueryId += 1;
      perToken(inlineQueries, botToken, () => new Map()).set(id, { answered: false });
      await server.addUserUpdate({
        ...server.getCommonFields(botToken),
        inlineQuery: {
          id, from, query, offset, chat_type: chatType,
        },
      });
      server.emit('AddedUserInlineQuery');
      res.json({ ok: true, result: { inline_query_id: id } });
    } catch (error) {
      next(error);
    }
  });
  app.post('/getInlineAnswers', (req, res) => {
    res.json({ ok: true, result: inlineAnswers.get(req.body.token) || [] });
  });
  app.all('/bot:token/answerInlineQuery', (req, res) => {
    const { token } = req.params;
    const params = { ...req.query, ...req.body };
    const pending = (inlineQueries.get(token) || new Map()).get(String(params.inline_query_id));
    if (!pending || pending.answered) {
      badRequest(res, 'query is too old and response timeout expired or query ID is invalid');
      return;
    }
    const parse = (value) => (typeof value === 'string' ? JSON.parse(value) : value);
    const results = parse(params.results || '[]');
    const problem = inlineResultsProblem(results);
    if (problem) {
      badRequest(res, problem);
      return;
    }
    pending.answered = true;
    perToken(inlineAnswers, token, () => []).push({
      inline_query_id: String(params.inline_query_id),
      results,
      cache_time: params.cache_time === undefined ? null : Number(params.cache_time),
      is_personal: params.is_personal === undefined ? null : parse(params.is_personal),
      next_offset: params.next_offset === undefined ? null : String(params.next_offset),
      button: params.button === undefined ? null : parse(params.button),
    });
    res.json({ ok: true, result: true });
  });

  // Patch 9: the package knows no chats but the ones users write in. The tests make a
  // channel known (its members' statuses included); getChat and getChatMember answer for
  // it as Telegram does, and for any other chat as before (patch 6).
  app.post('/setChat', (req, res) => {
    const { token, chat, members = {} } = req.body;
    perToken(knownChats, token, () => new Map()).set(String(chat.id), { chat, members });
    res.json({ ok: true, result: true });
  });
  app.all('/bot:token/getChat', (req, res, next) => {
    const known = knownChat(req.params.token, { ...req.query, ...req.body }.chat_id);
    if (known === undefined) {
      next();
      return;
    }
    if (known === null) {
      badRequest(res, 'chat not found');
      return;
    }
    res.json({ ok: true, result: { ...known.chat, accent_color_id: 0, max_reaction_count: 11 } });
  });
  app.all('/bot:token/getChatMember', (req, res, next) => {
    const params = { ...req.query, ...req.body };
    const known = knownChat(req.params.token, params.chat_id);
    if (!known) {
      next();
      return;
    }
    res.json({ ok: true, result: chatMember(known, Number(params.user_id)) });
  });

  // Without an upper bound EventEmitter warns once more than ten bots long-poll at a time.
  server.setMaxListeners(0);
}

function inlineResultsProblem(results) {
  if (!Array.isArray(results) || results.length > MAX_INLINE_RESULTS) {
    return 'RESULTS_TOO_MUCH';
  }
  const ids = new Set();
  for (const result of results) {
    const id = String(result.id || '');
    if (!id || Buffer.byteLength(id) > 64 || ids.has(id)) {
      return 'RESULT_ID_INVALID';
    }
    ids.add(id);
    if (result.type === 'article') {
      const content = result.input_message_content || {};
      if (!result.title || !content.message_text) {
        return 'RESULT_INVALID';
      }
      if (content.message_text.length > MAX_MESSAGE_LENGTH) {
        return 'MESSAGE_TOO_LONG';
      }
    }
  }
  return null;
}

/**
 * A chat the tests made known, by id or @username: undefined when the tests made no chat
 * known to this bot (the package's behaviour stands), null when they did but not this one.
 */
function knownChat(token, reference) {
  const chats = knownChats.get(token);
  if (!chats) {
    return undefined;
  }
  const wanted = String(reference);
  for (const known of chats.values()) {
    if (String(known.chat.id) === wanted || (known.chat.username && `@${known.chat.username}` === wanted)) {
      return known;
    }
  }
  return null;
}

function chatMember(known, userId) {
  const status = known.members[String(userId)] || 'left';
  const user = { id: userId, is_bot: userId === 666, first_name: `User ${userId}` };
  if (status === 'creator') {
    return { status, user, is_anonymous: false };
  }
  if (status !== 'administrator') {
    return { status, user };
  }
  return {
    status,
    user,
    can_be_edited: false,
    is_anonymous: false,
    can_manage_chat: true,
    can_delete_messages: true,
    can_manage_video_chats: true,
    can_restrict_members: true,
    can_promote_members: false,
    can_change_info: true,
    can_invite_users: true,
    can_post_stories: true,
    can_edit_stories: true,
    can_delete_stories: true,
    can_post_messages: true,
    can_edit_messages: true,
  };
}
routes.unshift(harnessMiddleware);

// Patch 1: getMe has no `is_bot`, which python-telegram-bot's User requires.
replaceRoute(getMe, (app, server) => {
  app.all('/bot:token/getMe', (_req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body) => json({ ...body, result: { ...body.result, is_bot: true } });
    next();
  });
  getMe(app, server);
});

// Patch 2: sendMessage answers `date` in milliseconds; python-telegram-bot reads Telegram's
// seconds and fails building a datetime in the year 50000+.
replaceRoute(sendMessage, (app, server) => {
  handle(app, '/bot:token/sendMessage', (req, res) => {
    const stored = storeBotMessage(server, req.body, req.params.token);
    res.json({ ok: true, result: asTelegramMessage(stored) });
  });
});

// Patch 3: callback queries lack `chat_instance`, a required field of CallbackQuery.
const formatUpdate = TelegramServer.formatUpdate.bind(TelegramServer);
TelegramServer.formatUpdate = (update) => {
  if ('inlineQuery' in update) {
    // Patch 8, the update a user's inline query becomes.
    return { update_id: update.updateId, inline_query: update.inlineQuery };
  }
  const formatted = formatUpdate(update);
  if (formatted.callback_query) {
    const { message } = formatted.callback_query;
    formatted.callback_query.chat_instance = String(message ? message.chat.id : update.botToken);
  }
  return formatted;
};

// Patch 4: editMessageText answers `result: null` where Telegram answers the edited Message,
// and merges the edit into the old message, so a keyboard left out of the edit survived it
// (Telegram removes it). Apply the edit as Telegram does and answer the edited Message.
replaceRoute(editMessageText, (app, server) => {
  handle(app, '/bot:token/editMessageText', (req, res) => {
    const edit = TelegramServer.normalizeMessage({ ...req.body });
    const stored = findBotMessage(server, req.params.token, edit.chat_id, edit.message_id);
    if (!stored) {
      badRequest(res, 'message to edit not found');
      return;
    }
    const {
      text: _text, parse_mode: _parseMode, entities: _entities, reply_markup: _replyMarkup,
      ...kept
    } = stored.message;
    stored.message = { ...kept, text: edit.text };
    for (const key of ['parse_mode', 'entities', 'reply_markup']) {
      if (edit[key] !== undefined) {
        stored.message[key] = edit[key];
      }
    }
    res.json({ ok: true, result: asTelegramMessage(stored) });
  });
});

// Patch 4, second half: editMessageReplyMarkup has the same gap (`result: null`, and the new
// keyboard merged into the old message). Replace the keyboard, or remove it when the edit
// leaves it out, and answer the edited Message.
replaceRoute(editMessageReplyMarkup, (app, server) => {
  handle(app, '/bot:token/editMessageReplyMarkup', (req, res) => {
    const edit = TelegramServer.normalizeMessage({ ...req.body });
    const stored = findBotMessage(server, req.params.token, edit.chat_id, edit.message_id);
    if (!stored) {
      badRequest(res, 'message to edit not found');
      return;
    }
    const { reply_markup: _replyMarkup, ...kept } = stored.message;
    stored.message = edit.reply_markup === undefined ? kept : { ...kept, reply_markup: edit.reply_markup };
    res.json({ ok: true, result: asTelegramMessage(stored) });
  });
});

// Patch 5: getUpdates ignores `timeout` and answers at once, so a polling bot spins in a busy
// loop. Hold the request until an update for this bot arrives or `timeout` seconds pass.
replaceRoute(getUpdates, (app, server) => {
  handle(app, '/bot:token/getUpdates', (req, res) => {
    const { token } = req.params;
    const timeoutSeconds = Number(req.body.timeout ?? req.query.timeout ?? 0) || 0;
    let timer = null;
    const finish = () => {
      clearTimeout(timer);
      USER_UPDATE_EVENTS.forEach((event) => server.off(event, onUpdate));
      res.off('close', finish);
    };
    const answer = () => {
      finish();
      res.json({ ok: true, result: server.getUpdates(token) });
    };
    function onUpdate() {
      if (server.storage.userMessages.some((u) => u.botToken === token && !u.isRead)) {
        answer();
      }
    }
    const pending = server.storage.userMessages.some((u) => u.botToken === token && !u.isRead);
    if (pending || timeoutSeconds <= 0) {
      answer();
      return;
    }
    USER_UPDATE_EVENTS.forEach((event) => server.on(event, onUpdate));
    timer = setTimeout(answer, timeoutSeconds * 1000);
    // A bot that stops polling drops the connection; forget it instead of answering it later.
    res.on('close', finish);
  });
});

// Patch 6: every method the package does not know answered HTTP 500, so e.g. setMyCommands or
// sendChatAction raised in the bot. Answer `true`, except sendDocument and sendPhoto, which are
// stored like a sent message (the upload's name or dimensions, size and bytes) and answered
// with that Message.
const UPLOADS = {
  sendDocument: (req) => ({ document: documentFrom(req) }),
  sendPhoto: (req) => ({ photo: photoFrom(req) }),
};
replaceRoute(unknownMethod, (app, server) => {
  handle(app, '/bot:token/:method', (req, res) => {
    const upload = UPLOADS[req.params.method];
    if (!upload) {
      res.json({ ok: true, result: true });
      return;
    }
    const body = TelegramServer.normalizeMessage({ ...req.body, ...upload(req) });
    const stored = storeBotMessage(server, body, req.params.token);
    res.json({ ok: true, result: asTelegramMessage(stored) });
  });
});

async function main() {
  const port = Number(process.argv[2] || process.env.BOT_API_EMULATOR_PORT);
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error('usage: node launcher.js PORT (or set BOT_API_EMULATOR_PORT)');
  }
  // The package purges stored messages older than storeTimeout seconds (60 by default); keep
  // them for a whole test session instead.
  const server = new TelegramServer({ port, host: HOST, storeTimeout: 24 * 60 * 60 });
  await server.start();
  process.stdout.write(`READY ${port}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
