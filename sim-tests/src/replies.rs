//! Replies for actors that keep one reply parser per connection and handle each reply as it
//! is whole (the crash and replication runs).

use ferrous_io_sim::{ConnId, Ctx, Failure, ReplyParser, Value};

/// Where an actor keeps `conn`'s parser (`None`: a connection it forgot).
pub type ParserOf<A> = fn(&mut A, ConnId) -> Option<&mut ReplyParser>;
/// What an actor does with one whole reply on a connection.
pub type OnReply<A> = fn(&mut A, &mut Ctx<'_>, ConnId, Value) -> Result<(), Failure>;

/// Feeds `data`, which arrived on `conn`, to its parser and hands every whole reply to
/// `on_reply`, in order; bytes that are not RESP fail the run.
pub fn each_reply<A>(
    actors: &mut A,
    ctx: &mut Ctx<'_>,
    conn: ConnId,
    data: &[u8],
    parser: ParserOf<A>,
    on_reply: OnReply<A>,
) -> Result<(), Failure> {
    let Some(p) = parser(actors, conn) else {
        return Ok(());
    };
    p.feed(data);
    // The parser is looked up again each time: a reply may make the actor forget `conn`.
    while let Some(p) = parser(actors, conn) {
        match p.next_reply() {
            Ok(Some(v)) => on_reply(actors, ctx, conn, v)?,
            Ok(None) => break,
            Err(e) => return Err(Failure(format!("c{conn}: {e}"))),
        }
    }
    Ok(())
}
