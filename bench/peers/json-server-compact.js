// json-server middleware: answer compact JSON (json-server pretty-prints by default), so it
// sends the same bytes as the other servers in bench/peers.sh.
module.exports = (req, res, next) => {
  req.app.set('json spaces', 0);
  next();
};
