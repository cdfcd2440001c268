//! Comparing what one connection received in one step. Everything compares byte for byte and
//! in order, except where Redis' order is that of its hash tables: the pmessages one step
//! delivers to one connection (for each PUBLISH Redis walks its pattern dict) compare as a
//! multiset in place,
//! PUBSUB CHANNELS/SHARDCHANNELS as sets, and the names an UNSUBSCRIBE/SUNSUBSCRIBE without
//! arguments confirms (Redis walks the client's channel dict) as a multiset, their counts in
//! order. HELLO's connection id is masked.

use crate::diff::resp::{Outcome, Reply};
use crate::diff::{exclusion_for, normalize, Mask};

const MESSAGES: &[&[u8]] = &[b"message", b"pmessage", b"smessage"];
const VERBS: &[&[u8]] = &[
    b"subscribe",
    b"unsubscribe",
    b"psubscribe",
    b"punsubscribe",
    b"ssubscribe",
    b"sunsubscribe",
];

fn first_is(items: &[Reply], what: &[u8]) -> bool {
    items.first().and_then(Reply::bytes) == Some(what)
}

/// A message or an (un)subscribe confirmation: kept whole when flattening.
fn is_whole(items: &[Reply]) -> bool {
    let first = items.first().and_then(Reply::bytes);
    first.is_some_and(|f| MESSAGES.contains(&f) || (items.len() == 3 && VERBS.contains(&f)))
}

/// `r` as a flat sequence: an aggregate is its header (kind and item count) followed by its
/// items, except messages and confirmations, which stay whole. A RESP3 subscriber's own
/// messages sit inside EXEC's reply where Redis wrote them, and EXEC's reply holds more than
/// it announces when a SUBSCRIBE confirms several channels: flat, what a connection received
/// compares the same wherever a frame happens to end.
fn flatten(r: Reply, out: &mut Vec<Reply>) {
    match r {
        Reply::Agg(kind, Some(items)) if !is_whole(&items) => {
            out.push(Reply::Line(kind, items.len().to_string().into_bytes()));
            for i in items {
                flatten(i, out);
            }
        }
        other => out.push(other),
    }
}

/// The items `pick` selects, sorted among themselves in place: a multiset compare that keeps
/// everything else where it is.
fn sort_among(flat: &mut [Reply], pick: impl Fn(&[Reply]) -> bool) {
    let at: Vec<usize> = (0..flat.len())
        .filter(|&i| flat[i].items().is_some_and(&pick))
        .collect();
    let mut chosen: Vec<Reply> = at.iter().map(|&i| flat[i].clone()).collect();
    chosen.sort_by_key(Reply::encode);
    for (&i, r) in at.iter().zip(chosen) {
        flat[i] = r;
    }
}

/// Item `k` of the items `pick` selects, sorted among them; the rest of each stays.
fn sort_item_among(flat: &mut [Reply], pick: impl Fn(&[Reply]) -> bool, k: usize) {
    let at: Vec<usize> = (0..flat.len())
        .filter(|&i| flat[i].items().is_some_and(&pick))
        .collect();
    let mut names: Vec<Reply> = at.iter().map(|&i| flat[i].items().unwrap()[k].clone()).collect();
    names.sort_by_key(Reply::encode);
    for (&i, name) in at.iter().zip(names) {
        if let Reply::Agg(_, Some(items)) = &mut flat[i] {
            items[k] = name;
        }
    }
}

/// The mask of `command`'s own reply.
fn reply_mask(command: &[Vec<u8>]) -> Option<Mask> {
    let name = command[0].to_ascii_lowercase();
    let sub = command.get(1).map(|s| s.to_ascii_lowercase());
    match (name.as_slice(), sub.as_deref()) {
        (b"pubsub", Some(b"channels" | b"shardchannels")) => Some(Mask::Unordered),
        _ => exclusion_for(command).map(|e| e.mask),
    }
}

/// What one connection received, flat (see [`flatten`]) and with Redis' hash orders taken
/// out. `sender`: this connection sent `command`, so its replies are among the frames. (Inside
/// MULTI the generator queues nothing else whose reply is in hash order.)
pub fn normalized(frames: &[Vec<u8>], command: &[Vec<u8>], sender: bool) -> Vec<Reply> {
    let mask = reply_mask(command).filter(|_| sender);
    let mut flat = Vec::new();
    for f in frames {
        let f = match mask {
            Some(m) => match normalize(&Outcome::Reply(f.clone()), Some(m)) {
                Outcome::Reply(r) => r,
                _ => f.clone(),
            },
            None => f.clone(),
        };
        match Reply::parse(&f) {
            Ok(r) => flatten(r, &mut flat),
            Err(_) => flat.push(Reply::Blob(b'?', Some(f))),
        }
    }
    sort_among(&mut flat, |it| first_is(it, b"pmessage"));
    let name = command[0].to_ascii_lowercase();
    if sender && command.len() == 1 && matches!(name.as_slice(), b"unsubscribe" | b"sunsubscribe") {
        sort_item_among(&mut flat, |it| it.len() == 3 && first_is(it, &name), 1);
    }
    flat
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::pubsub::gen::args;

    fn push(items: &[&[u8]]) -> Vec<u8> {
        Reply::Agg(
            b'>',
            Some(items.iter().map(|i| Reply::Blob(b'$', Some(i.to_vec()))).collect()),
        )
        .encode()
    }

    #[test]
    fn pmessages_of_one_publish_compare_in_any_order_and_nothing_else_does() {
        let m = push(&[b"message", b"n", b"x"]);
        let p1 = push(&[b"pmessage", b"*", b"n", b"x"]);
        let p2 = push(&[b"pmessage", b"n*", b"n", b"x"]);
        let cmd = args(&[b"PUBLISH", b"n", b"x"]);
        let a = normalized(&[m.clone(), p1.clone(), p2.clone()], &cmd, false);
        let b = normalized(&[m.clone(), p2.clone(), p1.clone()], &cmd, false);
        assert_eq!(a, b);
        let c = normalized(&[p1.clone(), m.clone(), p2.clone()], &cmd, false);
        assert_ne!(a, c, "the message before the pmessages must stay first");
        let exec = |x: &[u8], y: &[u8]| {
            let items = [x, y, b":2\r\n"].iter().map(|f| Reply::parse(f).unwrap()).collect();
            Reply::Agg(b'*', Some(items)).encode()
        };
        let exec_cmd = args(&[b"EXEC"]);
        assert_eq!(
            normalized(&[exec(&p1, &p2)], &exec_cmd, true),
            normalized(&[exec(&p2, &p1)], &exec_cmd, true),
            "inside EXEC's reply too"
        );
    }

    #[test]
    fn where_a_frame_ends_does_not_matter_but_what_arrived_does() {
        // EXEC announcing one reply, a push first: the framer takes the push as the reply.
        let p = push(&[b"message", b"n", b"x"]);
        let split = [[b"*1\r\n".to_vec(), p.clone()].concat(), b":1\r\n".to_vec()];
        let exec_cmd = args(&[b"EXEC"]);
        let whole = [
            Reply::Agg(b'*', Some(vec![Reply::parse(&p).unwrap()])).encode(),
            b":1\r\n".to_vec(),
        ];
        assert_eq!(normalized(&split, &exec_cmd, true), normalized(&whole, &exec_cmd, true));
        let other = [whole[0].clone(), b":2\r\n".to_vec()];
        assert_ne!(normalized(&split, &exec_cmd, true), normalized(&other, &exec_cmd, true));
    }

    #[test]
    fn unsubscribe_all_compares_names_as_a_set_and_counts_in_order() {
        let u = |name: &[u8], n: i64| {
            Reply::Agg(
                b'*',
                Some(vec![
                    Reply::Blob(b'$', Some(b"unsubscribe".to_vec())),
                    Reply::Blob(b'$', Some(name.to_vec())),
                    Reply::Line(b':', n.to_string().into_bytes()),
                ]),
            )
            .encode()
        };
        let all = args(&[b"UNSUBSCRIBE"]);
        let a = normalized(&[u(b"a", 1), u(b"b", 0)], &all, true);
        let b = normalized(&[u(b"b", 1), u(b"a", 0)], &all, true);
        assert_eq!(a, b);
        let named = args(&[b"UNSUBSCRIBE", b"a", b"b"]);
        assert_ne!(
            normalized(&[u(b"a", 1), u(b"b", 0)], &named, true),
            normalized(&[u(b"b", 1), u(b"a", 0)], &named, true),
            "named channels are confirmed in argument order"
        );
        let c = normalized(&[u(b"a", 0), u(b"b", 1)], &all, true);
        assert_ne!(a, c, "the counts keep their order");
    }

    #[test]
    fn pubsub_channels_compares_as_a_set() {
        let list = |names: &[&[u8]]| {
            Reply::Agg(
                b'*',
                Some(names.iter().map(|n| Reply::Blob(b'$', Some(n.to_vec()))).collect()),
            )
            .encode()
        };
        let cmd = args(&[b"PUBSUB", b"CHANNELS"]);
        assert_eq!(
            normalized(&[list(&[b"a", b"b"])], &cmd, true),
            normalized(&[list(&[b"b", b"a"])], &cmd, true)
        );
        assert_ne!(
            normalized(&[list(&[b"a", b"b"])], &cmd, true),
            normalized(&[list(&[b"a"])], &cmd, true)
        );
    }
}
